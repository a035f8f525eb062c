package all

import (
	"reflect"
	"strings"
	"testing"
)

// TestRegistry builds the registry: a duplicate kind would panic here
// first. What every kind must have is TestEveryKindIsComplete's.
func TestRegistry(t *testing.T) {
	names := Registry().Names()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("kind %s twice", n)
		}
		seen[n] = true
	}
	if len(names) < 2 {
		t.Errorf("kinds %v", names)
	}
}

// TestRestrictedModeClassifiesEveryOption: a kind allowed in restricted mode
// (docs/security.md) classifies every option it reads, so an option added
// later is refused there until someone decides what it may reach. Kinds
// that run commands stay refused.
func TestRestrictedModeClassifiesEveryOption(t *testing.T) {
	mustRefuse := map[string]bool{"exec": true, "ssh": true}
	for _, k := range Registry().Kinds() {
		r := k.Restricted
		if r == nil {
			continue
		}
		if mustRefuse[k.Name] {
			t.Errorf("kind %s runs commands, yet restricted mode allows it", k.Name)
		}
		classified := map[string]int{}
		for _, list := range [][]string{r.Safe, r.Paths, r.URLs, r.Pinned, r.Refused} {
			for _, key := range list {
				classified[key]++
			}
		}
		typ := reflect.TypeOf(k.Options)
		if typ == nil || typ.Kind() != reflect.Struct {
			t.Errorf("kind %s: Options is %v, want its options struct", k.Name, typ)
			continue
		}
		for i := 0; i < typ.NumField(); i++ {
			key, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
			if key == "" || key == "-" {
				continue
			}
			switch classified[key] {
			case 0:
				t.Errorf("kind %s: option %s is not classified for restricted mode (collectors.Restriction)", k.Name, key)
			case 1:
			default:
				t.Errorf("kind %s: option %s is classified twice", k.Name, key)
			}
			delete(classified, key)
		}
		for key := range classified {
			t.Errorf("kind %s: restriction names %s, which is not an option", k.Name, key)
		}
	}
}
