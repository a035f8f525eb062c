package dbcommon

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

// Data probes count, inside the database, the rows of one column that look
// like real personal data: e-mail addresses outside the allowed test domains,
// phone numbers and payment card numbers. Only counts (and a keyed
// fingerprint of the table's rows) leave the database; no value does, not
// even in an error message. The isolation rules judge the counts
// (rules/pack/isolation.yaml).

// ProbeConfig is one entry of a database source's `probes` option.
type ProbeConfig struct {
	// Table is "table" or "schema.table".
	Table string `yaml:"table"`
	// Column is the column whose values are counted.
	Column string `yaml:"column"`
	// AllowDomains are the test domains an address may use (example.com,
	// test): a domain matches itself and its subdomains. The reserved
	// domains (example.com/.net/.org, .test, .example, .invalid,
	// .localhost) are always allowed.
	AllowDomains []string `yaml:"allow_domains"`
}

// Probe is a validated probe.
type Probe struct {
	// Schema is "" when the table was named without one.
	Schema, Table, Column string
	AllowDomains          []string
}

// Label names the probe as configured: schema.table.column or table.column.
func (p Probe) Label() string {
	if p.Schema == "" {
		return p.Table + "." + p.Column
	}
	return p.Schema + "." + p.Table + "." + p.Column
}

var domainRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// ValidateProbes checks the probes option of a source.
func ValidateProbes(src config.Source, probes []ProbeConfig) ([]Probe, error) {
	var out []Probe
	seen := map[string]bool{}
	for i, pc := range probes {
		at := func(format string, args ...any) error {
			return src.Errorf("probes", "probes[%d]: "+format, append([]any{i}, args...)...)
		}
		if strings.TrimSpace(pc.Table) == "" {
			return nil, at("table is missing")
		}
		if strings.TrimSpace(pc.Column) == "" {
			return nil, at("column is missing")
		}
		p := Probe{Table: pc.Table, Column: pc.Column}
		if strings.Count(pc.Table, ".") == 1 {
			p.Schema, p.Table, _ = strings.Cut(pc.Table, ".")
		} else if strings.Contains(pc.Table, ".") {
			return nil, at("table %q: want table or schema.table", pc.Table)
		}
		for _, name := range []string{p.Schema, p.Table, p.Column} {
			if strings.ContainsRune(name, 0) || len(name) > 128 {
				return nil, at("%q is not a valid name", name)
			}
		}
		if p.Table == "" || (strings.Contains(pc.Table, ".") && p.Schema == "") {
			return nil, at("table %q: want table or schema.table", pc.Table)
		}
		for j, d := range pc.AllowDomains {
			d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
			d = strings.TrimPrefix(d, "*.")
			if !domainRe.MatchString(d) {
				return nil, at("allow_domains[%d]: %q is not a domain (want example.com or a top-level domain such as test)", j, pc.AllowDomains[j])
			}
			p.AllowDomains = append(p.AllowDomains, d)
		}
		sort.Strings(p.AllowDomains)
		if seen[p.Label()] {
			return nil, at("%s is probed twice", p.Label())
		}
		seen[p.Label()] = true
		out = append(out, p)
	}
	return out, nil
}

// reservedDomains can never reach anyone (RFC 2606, RFC 6761).
var reservedDomains = []string{"example.com", "example.net", "example.org", "example", "test", "invalid", "localhost"}

// AllowedDomainPattern is a regular expression, valid in PostgreSQL, MariaDB
// and MySQL, matching a lower-case domain that is one of the allowed or
// reserved domains or a subdomain of one. It is passed as a query
// parameter; the domains were validated to [a-z0-9.-].
func (p Probe) AllowedDomainPattern() string {
	all := append(append([]string(nil), reservedDomains...), p.AllowDomains...)
	for i, d := range all {
		all[i] = strings.ReplaceAll(d, ".", `\.`)
	}
	return `^([a-z0-9-]+\.)*(` + strings.Join(all, "|") + `)$`
}

// The patterns the probes count, written for PostgreSQL's, MariaDB's (PCRE)
// and MySQL's (ICU) regular expressions alike.
const (
	// EmailPattern finds an e-mail address anywhere in a value.
	EmailPattern = `[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`
	// DomainPattern finds "@domain" (the first one) in a value.
	DomainPattern = `@[A-Za-z0-9.-]+`
	// PhonePattern is a whole value written like a phone number.
	PhonePattern = `^\+?[0-9(][0-9 ().-]{6,22}[0-9]$`
	// FictionalPhonePattern matches the digits of numbers reserved for
	// fiction: North America's 555-01xx, the UK's 07700 900xxx.
	FictionalPhonePattern = `^(1?[2-9][0-9]{2}55501[0-9]{2}|(44|0)7700900[0-9]{3})$`
	// CardPattern is a whole value written like a payment card number.
	CardPattern = `^[0-9][0-9 -]{11,22}[0-9]$`
	// TestCardPattern matches the digits of the providers' published test cards.
	TestCardPattern = `^(4242424242424242|4000056655665556|5555555555554444|2223003122003222|5200828282828210|5105105105105100|378282246310005|371449635398431|6011111111111117|6011000990139424|3056930009020004|36227206271667|3566002020360505|6200000000000005|4111111111111111|4012888888881881|5454545454545454|4000000000[0-9]{6})$`
)

// LuhnSum returns an SQL expression summing the Luhn weights of the digits
// in r, which holds a value's digits reversed; the number passes the check
// when the sum is a multiple of 10. The sum is unrolled over 19 digits (the
// longest card numbers), so it needs no function, loop or temporary table;
// toInt casts a one-character string to an integer in the dialect
// ("CAST(%s AS INTEGER)", "CAST(%s AS SIGNED)").
func LuhnSum(r, toInt string) string {
	terms := make([]string, 19)
	for i := 1; i <= 19; i++ {
		d := fmt.Sprintf(toInt, fmt.Sprintf("SUBSTRING(%s, %d, 1)", r, i))
		term := d
		if i%2 == 0 {
			term = fmt.Sprintf("CASE WHEN %s >= 5 THEN 2 * %s - 9 ELSE 2 * %s END", d, d, d)
		}
		terms[i-1] = fmt.Sprintf("CASE WHEN CHAR_LENGTH(%s) >= %d THEN %s ELSE 0 END", r, i, term)
	}
	return "(" + strings.Join(terms, " + ") + ")"
}

// ProbeCounts is what a probe query returns.
type ProbeCounts struct {
	// Rows is every row; Values the rows whose column is set and non-empty.
	Rows, Values int64
	// OutsideAllowed counts values holding an "@domain" outside the allowed
	// domains; RealEmails those that hold a whole e-mail address there.
	OutsideAllowed, RealEmails int64
	// Phones and Cards count values that look like phone numbers and
	// (Luhn-valid, not published test) payment card numbers.
	Phones, Cards int64
	// RowDigest summarises every row's hash (sums computed in the
	// database), for "the same rows as production".
	RowDigest string
}

// The resource attributes a probe states.
const (
	AttrRows           = "rows"
	AttrValues         = "values"
	AttrOutsideAllowed = "outside_allowed_domains"
	AttrRealEmails     = "real_emails"
	AttrPhones         = "phone_numbers"
	AttrCards          = "card_numbers"
	AttrFingerprint    = "rows_fingerprint"
)

// ProbeResource states a probe's counts. The row digest is keyed with the
// redaction key, so that a small table's fingerprint cannot be matched
// against guessed contents by anyone without the key; without a redactor no
// fingerprint is stated.
func ProbeResource(typ, name, key string, p Probe, n ProbeCounts, red *snapshot.Redactor) snapshot.Resource {
	allow := p.AllowDomains
	if allow == nil {
		allow = []string{}
	}
	attrs := map[string]any{
		"table": p.Table, "column": p.Column, "allow_domains": allow,
		AttrRows: n.Rows, AttrValues: n.Values, AttrOutsideAllowed: n.OutsideAllowed,
		AttrRealEmails: n.RealEmails, AttrPhones: n.Phones, AttrCards: n.Cards,
	}
	if red != nil {
		sum := sha256.Sum256([]byte(n.RowDigest))
		fp := red.Fingerprint("envparity rows " + hex.EncodeToString(sum[:]))
		// Not a secret: keep it out of secret_fingerprints (and secret-shared).
		attrs[AttrFingerprint] = "rows:" + strings.TrimPrefix(strings.TrimPrefix(fp, snapshot.LivePrefix), snapshot.RedactedPrefix)
	}
	return snapshot.Resource{Type: typ, Name: name, Key: key, Attrs: attrs}
}

// ProbeError is a probe's failure, without the driver's message, which may
// quote a value ("invalid input syntax: …").
func ProbeError(p Probe, what, code string) error {
	return fmt.Errorf("probe %s: %s failed (%s; the server's message is withheld: it may quote a value)", p.Label(), what, code)
}
