package dbtest

import (
	"strings"
	"testing"
)

func TestPeopleFixture(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range RealPeople(300) {
		if !LuhnValid(p.Card) || len(p.Card) != 16 {
			t.Errorf("card %s is not a Luhn-valid 16-digit number", p.Card)
		}
		for _, v := range []string{p.Email, p.Card} {
			if seen[v] {
				t.Errorf("duplicate value %s", v)
			}
			seen[v] = true
		}
	}
	for _, p := range TestPeople(10, "shop.test") {
		if !strings.HasSuffix(p.Email, "@shop.test") || !LuhnValid(p.Card) {
			t.Errorf("test person %+v", p)
		}
	}
	if LuhnValid("4242424242424241") || !LuhnValid("4242 4242 4242 4242") {
		t.Error("LuhnValid is wrong")
	}
}
