package snapshot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Paths name a place inside a resource's attributes. A path is a sequence
// of steps, never a dot-joined string, so that a key containing a dot
// ("nginx.ingress.kubernetes.io/rewrite-target") cannot collide with
// nesting. Its one canonical text form is what rules, waivers, reports and
// baselines use:
//
//	parameters.max_connections        map keys, joined by dots
//	apps[name=jobs].cron[name=nightly] list elements paired on an identity field
//	args[2]                            list elements by position (no identity)
//	indexes[=idx_email]                a member of a list compared as a set
//	annotations."app.kubernetes.io/name"  a key holding . [ ] " or \ is quoted
//
// Quoting follows Go's double-quoted string syntax (strconv.Quote): `"` and
// `\` are escaped with a backslash. An identity or member value is quoted
// inside the brackets when it holds ] " \ or surrounding spaces, or is
// empty: apps[name="a]b"].

// StepKind says what a path step selects.
type StepKind uint8

// The step kinds.
const (
	// KeyStep selects a map key.
	KeyStep StepKind = iota
	// MatchStep selects the list element whose identity field Key has Value.
	MatchStep
	// IndexStep selects a list element by position.
	IndexStep
	// MemberStep selects the member Value of a list compared as a set.
	MemberStep
)

// Step is one step of a Path.
type Step struct {
	Kind StepKind
	// Key is the map key (KeyStep) or the identity field (MatchStep).
	Key string
	// Value is the identity value (MatchStep) or the member (MemberStep).
	Value string
	// Index is the position (IndexStep).
	Index int
}

// Path is a structured attribute path; the empty path is the resource itself.
type Path []Step

// Key returns a map-key step.
func Key(k string) Step { return Step{Kind: KeyStep, Key: k} }

// Match returns a step selecting the list element whose field has value.
func Match(field, value string) Step { return Step{Kind: MatchStep, Key: field, Value: value} }

// Index returns a step selecting a list element by position.
func Index(i int) Step { return Step{Kind: IndexStep, Index: i} }

// Member returns a step selecting a member of a list compared as a set.
func Member(v string) Step { return Step{Kind: MemberStep, Value: v} }

// KeyPath builds a path of map keys.
func KeyPath(keys ...string) Path {
	p := make(Path, len(keys))
	for i, k := range keys {
		p[i] = Key(k)
	}
	return p
}

// Append returns a new path: p followed by steps. p itself is never modified.
func (p Path) Append(steps ...Step) Path {
	out := make(Path, len(p), len(p)+len(steps))
	copy(out, p)
	return append(out, steps...)
}

// String renders the canonical text form.
func (p Path) String() string {
	if len(p) == 0 {
		return ""
	}
	var b strings.Builder
	for i, s := range p {
		s.write(&b, i == 0)
	}
	return b.String()
}

// AppendText renders step s after the path text prefix, as String would.
func AppendText(prefix string, s Step) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(s.Key) + len(s.Value) + 4)
	b.WriteString(prefix)
	s.write(&b, prefix == "")
	return b.String()
}

func (s Step) write(b *strings.Builder, first bool) {
	switch s.Kind {
	case KeyStep:
		if !first {
			b.WriteByte('.')
		}
		if keyNeedsQuote(s.Key) {
			b.WriteString(strconv.Quote(s.Key))
		} else {
			b.WriteString(s.Key)
		}
	case MatchStep:
		b.WriteByte('[')
		if keyNeedsQuote(s.Key) || strings.ContainsRune(s.Key, '=') {
			b.WriteString(strconv.Quote(s.Key))
		} else {
			b.WriteString(s.Key)
		}
		b.WriteByte('=')
		writeBracketValue(b, s.Value)
		b.WriteByte(']')
	case IndexStep:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.Index))
		b.WriteByte(']')
	case MemberStep:
		b.WriteString("[=")
		writeBracketValue(b, s.Value)
		b.WriteByte(']')
	}
}

func writeBracketValue(b *strings.Builder, v string) {
	if v == "" || strings.ContainsAny(v, `]"\`) || strings.TrimSpace(v) != v || hasControl(v) {
		b.WriteString(strconv.Quote(v))
		return
	}
	b.WriteString(v)
}

// keyNeedsQuote reports whether a map key must be quoted in the text form.
func keyNeedsQuote(k string) bool {
	if k == "" || k == "**" {
		return true
	}
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c == '.', c == '[', c == ']', c == '"', c == '\\', c < 0x20, c == 0x7f:
			return true
		}
	}
	return false
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// ParsePath reads the canonical text form back into steps. It is the
// inverse of Path.String.
func ParsePath(text string) (Path, error) {
	var p Path
	i := 0
	for i < len(text) {
		switch {
		case text[i] == '[':
			s, n, err := parseBracket(text[i:])
			if err != nil {
				return nil, fmt.Errorf("path %q at %d: %w", text, i, err)
			}
			p = append(p, s)
			i += n
		default:
			if len(p) > 0 {
				if text[i] != '.' {
					return nil, fmt.Errorf("path %q at %d: expected '.' or '['", text, i)
				}
				i++
			}
			k, n, err := readKey(text[i:])
			if err != nil {
				return nil, fmt.Errorf("path %q at %d: %w", text, i, err)
			}
			p = append(p, Key(k))
			i += n
		}
	}
	return p, nil
}

// readKey reads a quoted key, or a plain one up to the next '.' or '['.
func readKey(s string) (string, int, error) {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", 0, errors.New("unterminated quoted key")
		}
		k, err := strconv.Unquote(q)
		if err != nil {
			return "", 0, err
		}
		return k, len(q), nil
	}
	end := strings.IndexAny(s, ".[")
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return "", 0, errors.New("empty key (write \"\" for an empty key)")
	}
	if strings.ContainsAny(s[:end], `]"\`) {
		return "", 0, fmt.Errorf("key %q must be quoted", s[:end])
	}
	return s[:end], end, nil
}

// parseBracket reads one [..] step at the start of s.
func parseBracket(s string) (Step, int, error) {
	i := 1
	field := ""
	if i < len(s) && s[i] != '=' {
		if s[i] == '"' {
			q, err := strconv.QuotedPrefix(s[i:])
			if err != nil {
				return Step{}, 0, errors.New("unterminated quoted field")
			}
			field, _ = strconv.Unquote(q)
			i += len(q)
		} else {
			end := strings.IndexAny(s[i:], "=]")
			if end < 0 {
				return Step{}, 0, errors.New("unterminated '['")
			}
			field = s[i : i+end]
			i += end
		}
		if i < len(s) && s[i] == ']' {
			n, err := strconv.Atoi(field)
			if err != nil || n < 0 {
				return Step{}, 0, fmt.Errorf("[%s] is neither an index nor field=value", field)
			}
			return Index(n), i + 1, nil
		}
	}
	if i >= len(s) || s[i] != '=' {
		return Step{}, 0, errors.New("expected '=' in [field=value]")
	}
	i++
	var value string
	if i < len(s) && s[i] == '"' {
		q, err := strconv.QuotedPrefix(s[i:])
		if err != nil {
			return Step{}, 0, errors.New("unterminated quoted value")
		}
		value, _ = strconv.Unquote(q)
		i += len(q)
	} else {
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return Step{}, 0, errors.New("unterminated '['")
		}
		value = s[i : i+end]
		i += end
	}
	if i >= len(s) || s[i] != ']' {
		return Step{}, 0, errors.New("expected ']'")
	}
	if field == "" {
		return Member(value), i + 1, nil
	}
	return Match(field, value), i + 1, nil
}

// ScalarText renders a scalar list element or identity value for a path
// step: strings as they are, numbers and booleans as written in JSON.
func ScalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "null", true
	}
	if _, ok := Number(v); ok {
		return Format(v), true
	}
	return "", false
}
