package dbtest

import (
	"fmt"
	"strings"
)

// Person is one row of the people fixture, the data the isolation probes
// count (collectors' `probes`): an e-mail address, a phone number and a
// payment card number.
type Person struct {
	Email, Phone, Card string
}

var (
	firstNames = []string{"anna", "jonas", "mira", "tobias", "lea", "karim", "sofia", "lukas", "ines", "david"}
	lastNames  = []string{"keller", "brandt", "moreau", "okafor", "lindqvist", "ferreira", "novak", "haddad", "schulz", "rossi"}
	realDomain = []string{"gmx.net", "posteo.de", "outlook.com", "mailbox.org", "web.de"}
)

// RealPeople returns n rows that look like production customers: addresses
// at real mail domains, phone numbers outside the fictional ranges and
// Luhn-valid card numbers that are not published test cards. Every value is
// distinct and unlikely to occur anywhere else, so a test can scan outputs
// for them.
func RealPeople(n int) []Person {
	out := make([]Person, n)
	for i := range out {
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		out[i] = Person{
			Email: fmt.Sprintf("%s.%s.%d@%s", first, last, 7300+i, realDomain[i%len(realDomain)]),
			Phone: fmt.Sprintf("+49 30 %04d %04d", 2600+i, 8100+i*7%1000),
			Card:  luhnComplete(fmt.Sprintf("49%013d", 3141592653+int64(i)*7919)),
		}
	}
	return out
}

// TestPeople returns n rows that are safe outside production: addresses on
// the given test domains (example.com when none), fictional phone numbers
// (555-01xx) and published test card numbers.
func TestPeople(n int, domains ...string) []Person {
	if len(domains) == 0 {
		domains = []string{"example.com"}
	}
	cards := []string{"4242 4242 4242 4242", "5555-5555-5555-4444", "4000056655665556"}
	out := make([]Person, n)
	for i := range out {
		out[i] = Person{
			Email: fmt.Sprintf("qa+%d@%s", i, domains[i%len(domains)]),
			Phone: fmt.Sprintf("+1 202-555-01%02d", i%100),
			Card:  cards[i%len(cards)],
		}
	}
	return out
}

// luhnComplete appends the Luhn check digit to digits.
func luhnComplete(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 { // doubled once the check digit is appended
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + fmt.Sprint((10-sum%10)%10)
}

// LuhnValid reports whether a number's digits pass the Luhn check.
func LuhnValid(number string) bool {
	sum, n := 0, 0
	for i := len(number) - 1; i >= 0; i-- {
		c := number[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n > 0 && sum%10 == 0
}

// PeopleSQL returns statements, valid in PostgreSQL and MariaDB, that create
// table (a plain or schema-qualified name) and insert the rows with fixed
// ids and timestamps: the same rows give the same table in any database.
func PeopleSQL(table string, rows []Person) []string {
	stmts := []string{fmt.Sprintf("CREATE TABLE %s (id integer PRIMARY KEY, email varchar(200), phone varchar(40), card varchar(40), note varchar(100), created_at timestamp NOT NULL)", table)}
	for start := 0; start < len(rows); start += 200 {
		var vals []string
		for i := start; i < len(rows) && i < start+200; i++ {
			p := rows[i]
			vals = append(vals, fmt.Sprintf("(%d, '%s', '%s', '%s', NULL, '2026-01-01 00:00:00')", i+1, p.Email, p.Phone, p.Card))
		}
		stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (id, email, phone, card, note, created_at) VALUES %s", table, strings.Join(vals, ", ")))
	}
	return stmts
}
