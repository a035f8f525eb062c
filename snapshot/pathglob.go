package snapshot

import (
	"fmt"
	"strconv"
	"strings"
)

// PathPattern is a glob over paths, written like a path's text form:
// `*` and `?` match within one step, `**` matches any number of steps
// (none included), and a bracket step matches a list element:
//
//	**.read_replicas         read_replicas at any depth
//	*containers.*.env[*]     every member (or element) of an env list
//	apps[name=*].cron[*]     every cron entry of every app
//
// Keys are compared dot by dot: the pattern keys.smtp.host matches the
// path keys."smtp.host" as well as keys.smtp.host, so a pattern need not
// know whether a collector nested or flattened a key. (The paths themselves
// stay distinct; only selection is lenient.) A pattern that selects a list
// also selects its elements (indexes matches indexes[=idx_email]), and a
// trailing ** needs at least one step (a.** selects what is below a).
type PathPattern struct {
	text string
	segs []patSeg
	// Exact is true when the pattern has no wildcard.
	Exact bool
	// Literal counts the non-wildcard characters, for specificity.
	Literal int
}

type segKind uint8

const (
	segKey segKind = iota
	segBracket
	segAny // **
)

type patSeg struct {
	kind segKind
	text string // key, or the bracket's content (field=value, =member, index)
	glob bool
}

// CompilePathPattern parses a path glob.
func CompilePathPattern(p string) (PathPattern, error) {
	pp := PathPattern{text: p, Exact: !strings.ContainsAny(p, "*?")}
	if strings.Contains(p, "***") {
		return pp, fmt.Errorf("invalid glob %q: use * or **", p)
	}
	for _, c := range p {
		if c != '*' && c != '?' {
			pp.Literal++
		}
	}
	i := 0
	for i < len(p) {
		switch {
		case p[i] == '[':
			content, n, err := readPatternBracket(p[i:])
			if err != nil {
				return pp, fmt.Errorf("invalid glob %q: %w", p, err)
			}
			pp.segs = append(pp.segs, patSeg{kind: segBracket, text: content, glob: strings.ContainsAny(content, "*?")})
			i += n
		default:
			if len(pp.segs) > 0 || i > 0 {
				if p[i] != '.' {
					return pp, fmt.Errorf("invalid glob %q at %d: expected '.' or '['", p, i)
				}
				i++
			}
			if strings.HasPrefix(p[i:], "**") && (i+2 == len(p) || p[i+2] == '.' || p[i+2] == '[') {
				pp.segs = append(pp.segs, patSeg{kind: segAny})
				i += 2
				continue
			}
			k, n, err := readPatternKey(p[i:])
			if err != nil {
				return pp, fmt.Errorf("invalid glob %q at %d: %w", p, i, err)
			}
			for _, part := range strings.Split(k, ".") {
				pp.segs = append(pp.segs, patSeg{kind: segKey, text: strings.ReplaceAll(part, "**", "*"), glob: strings.ContainsAny(part, "*?")})
			}
			i += n
		}
	}
	return pp, nil
}

func readPatternKey(s string) (string, int, error) {
	if strings.HasPrefix(s, `"`) {
		return readKey(s)
	}
	end := strings.IndexAny(s, ".[")
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return "", 0, fmt.Errorf("empty step")
	}
	return s[:end], end, nil
}

// readPatternBracket reads a [..] at the start of s and returns its content
// as bracketContent renders it for paths.
func readPatternBracket(s string) (string, int, error) {
	// Quoted parts may hold ']'.
	i := 1
	for i < len(s) && s[i] != ']' {
		if s[i] == '"' {
			q, err := strconv.QuotedPrefix(s[i:])
			if err != nil {
				return "", 0, fmt.Errorf("unterminated quote in %q", s)
			}
			i += len(q)
			continue
		}
		i++
	}
	if i >= len(s) {
		return "", 0, fmt.Errorf("unterminated '['")
	}
	raw := s[1:i]
	if strings.Contains(raw, `"`) {
		st, _, err := parseBracket(s[:i+1])
		if err != nil {
			return "", 0, err
		}
		return bracketContent(st), i + 1, nil
	}
	return raw, i + 1, nil
}

func bracketContent(s Step) string {
	switch s.Kind {
	case MatchStep:
		return s.Key + "=" + s.Value
	case IndexStep:
		return strconv.Itoa(s.Index)
	case MemberStep:
		return "=" + s.Value
	}
	return s.Key
}

// String returns the pattern as written.
func (pp PathPattern) String() string { return pp.text }

// Match reports whether the path matches the pattern. A pattern that
// selects a list also selects its elements: indexes matches indexes[=b].
func (pp PathPattern) Match(p Path) bool {
	return pp.MatchLoose(looseSegs(p))
}

// MatchText matches a path given in its text form; text that is not a
// valid path matches nothing.
func (pp PathPattern) MatchText(text string) bool {
	p, err := ParsePath(text)
	if err != nil {
		return false
	}
	return pp.Match(p)
}

// LooseSegments splits a path into the segments patterns match against
// (keys split at their dots). Callers matching one path against many
// patterns compute it once.
type LooseSegments []patSeg

// Loose returns the path's segments for MatchLoose.
func (p Path) Loose() LooseSegments { return looseSegs(p) }

// MatchLoose is Match on segments computed once with Path.Loose.
func (pp PathPattern) MatchLoose(s LooseSegments) bool {
	if matchSegs(pp.segs, s) {
		return true
	}
	n := len(s)
	for n > 0 && s[n-1].kind == segBracket {
		n--
	}
	return n > 0 && n < len(s) && matchSegs(pp.segs, s[:n])
}

func looseSegs(p Path) []patSeg {
	out := make([]patSeg, 0, len(p)+2)
	for _, s := range p {
		if s.Kind != KeyStep {
			out = append(out, patSeg{kind: segBracket, text: bracketContent(s)})
			continue
		}
		k := s.Key
		for {
			i := strings.IndexByte(k, '.')
			if i < 0 {
				out = append(out, patSeg{kind: segKey, text: k})
				break
			}
			out = append(out, patSeg{kind: segKey, text: k[:i]})
			k = k[i+1:]
		}
	}
	return out
}

func matchSegs(pat, segs []patSeg) bool {
	for len(pat) > 0 {
		ps := pat[0]
		if ps.kind == segAny {
			rest := pat[1:]
			if len(rest) == 0 {
				// A trailing ** needs a step to match: a.** selects what is
				// below a, not a itself.
				return len(segs) > 0
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegs(rest, segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 || segs[0].kind != ps.kind {
			return false
		}
		if ps.glob {
			if !wildMatch(ps.text, segs[0].text) {
				return false
			}
		} else if ps.text != segs[0].text {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// wildMatch matches s against a pattern where `*` matches any run of
// characters and `?` one character.
func wildMatch(p, s string) bool {
	star, sBack := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(p) && (p[i] == '?' || p[i] == s[j]):
			i++
			j++
		case i < len(p) && p[i] == '*':
			star, sBack = i, j
			i++
		case star >= 0:
			i = star + 1
			sBack++
			j = sBack
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}
