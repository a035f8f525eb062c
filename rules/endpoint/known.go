package endpoint

import (
	_ "embed"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"sync"
)

// Category is what the embedded list (known.txt) says about a host.
type Category string

// The categories of known.txt.
const (
	// Unknown hosts are not on the list.
	Unknown Category = ""
	// Public third-party services every environment may share.
	Public Category = "public"
	// Mail providers that deliver to real people.
	Mail Category = "mail"
	// MailSandbox services catch mail and deliver nothing.
	MailSandbox Category = "mail-sandbox"
	// Reserved names and documentation addresses reach nothing.
	Reserved Category = "reserved"
)

//go:embed known.txt
var knownText string

type knownList struct {
	exact map[string]Category
	globs []knownGlob
}

type knownGlob struct {
	re  *regexp.Regexp
	cat Category
}

var (
	knownOnce sync.Once
	known     *knownList
	knownErr  error
)

// parseKnown reads the list: CATEGORY PATTERN per line, # comments.
func parseKnown(text string) (*knownList, error) {
	l := &knownList{exact: map[string]Category{}}
	for i, line := range strings.Split(text, "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("known.txt:%d: want CATEGORY PATTERN", i+1)
		}
		cat := Category(f[0])
		switch cat {
		case Public, Mail, MailSandbox, Reserved:
		default:
			return nil, fmt.Errorf("known.txt:%d: unknown category %q", i+1, f[0])
		}
		pat := strings.ToLower(f[1])
		if !strings.Contains(pat, "*") {
			if prev, dup := l.exact[pat]; dup {
				return nil, fmt.Errorf("known.txt:%d: %s is already listed as %s", i+1, pat, prev)
			}
			l.exact[pat] = cat
			continue
		}
		re, err := globRegexp(pat)
		if err != nil {
			return nil, fmt.Errorf("known.txt:%d: %v", i+1, err)
		}
		l.globs = append(l.globs, knownGlob{re: re, cat: cat})
	}
	return l, nil
}

// globRegexp compiles a host pattern: "*" is one label or part of one,
// a leading "**." any number of labels.
func globRegexp(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	rest := pat
	if strings.HasPrefix(rest, "**.") {
		b.WriteString(`(?:[a-z0-9_-]+\.)+`)
		rest = rest[3:]
	}
	if strings.Contains(rest, "**") {
		return nil, fmt.Errorf("%q: ** is allowed only as the leading label", pat)
	}
	for _, part := range strings.SplitAfter(rest, "*") {
		lit := strings.TrimSuffix(part, "*")
		b.WriteString(regexp.QuoteMeta(lit))
		if strings.HasSuffix(part, "*") {
			b.WriteString(`[a-z0-9_-]+`)
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func knownHosts() *knownList {
	knownOnce.Do(func() { known, knownErr = parseKnown(knownText) })
	if knownErr != nil {
		panic(knownErr) // the embedded list is checked by the package's tests
	}
	return known
}

// documentation address blocks (RFC 5737, RFC 3849).
var docBlocks = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
}

// Lookup says what the embedded list knows about a host name or IP address.
func Lookup(host string) Category {
	h := normHost(host)
	if a, err := netip.ParseAddr(h); err == nil {
		for _, p := range docBlocks {
			if p.Contains(a) {
				return Reserved
			}
		}
		h = a.Unmap().String()
	}
	l := knownHosts()
	if c, ok := l.exact[h]; ok {
		return c
	}
	for _, g := range l.globs {
		if g.re.MatchString(h) {
			return g.cat
		}
	}
	return Unknown
}

// catcherWords in a host name mark a local mail catcher (mailhog, mailpit, …).
var catcherWords = []string{"mailhog", "mailpit", "mailcatcher", "maildev", "smtp4dev", "inbucket", "papercut", "greenmail", "fakesmtp", "mailcrab", "mailsink", "smtp-sink", "mock-smtp", "fake-smtp"}

// MailSandboxHost reports whether mail sent to host is caught rather than
// delivered: a local host (localhost, a Compose service, a cluster name), a
// known sandbox (Mailtrap's sandbox, Mailosaur, Ethereal), a reserved name,
// or a host named after a mail catcher (mailhog, mailpit, maildev, …).
func MailSandboxHost(host string) bool {
	e := Endpoint{Kind: Host, Host: normHost(host)}
	if e.Local() {
		return true
	}
	switch Lookup(host) {
	case MailSandbox, Reserved:
		return true
	}
	h := normHost(host)
	for _, w := range catcherWords {
		if strings.Contains(h, w) {
			return true
		}
	}
	return false
}

// Patterns are endpoint patterns (isolation.shared_ok): `*` matches any run
// of characters, `?` one character, [abc] a class. A pattern meets an
// endpoint when it matches its ID, its host, or a bucket's bare name.
type Patterns struct {
	res []*regexp.Regexp
}

// CompilePatterns compiles patterns; an invalid one is an error naming it.
func CompilePatterns(patterns []string) (*Patterns, error) {
	p := &Patterns{}
	for _, pat := range patterns {
		var b strings.Builder
		b.WriteString("(?i)^")
		inClass := false
		for _, r := range pat {
			switch {
			case inClass:
				if r == ']' {
					inClass = false
				}
				if r == '\\' {
					b.WriteString(`\\`)
					continue
				}
				b.WriteRune(r)
			case r == '*':
				b.WriteString(".*")
			case r == '?':
				b.WriteString(".")
			case r == '[':
				inClass = true
				b.WriteRune(r)
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		b.WriteString("$")
		re, err := regexp.Compile(b.String())
		if err != nil || inClass {
			return nil, fmt.Errorf("endpoint pattern %q is not valid", pat)
		}
		p.res = append(p.res, re)
	}
	return p, nil
}

// Match reports whether a pattern meets the endpoint.
func (p *Patterns) Match(e Endpoint) bool {
	if p == nil {
		return false
	}
	cands := []string{e.ID}
	if e.Host != "" && e.Host != e.ID {
		cands = append(cands, e.Host)
	}
	if e.Kind == Bucket {
		if _, name, ok := strings.Cut(e.ID, "://"); ok {
			cands = append(cands, name)
		}
	}
	for _, re := range p.res {
		for _, c := range cands {
			if re.MatchString(c) {
				return true
			}
		}
	}
	return false
}
