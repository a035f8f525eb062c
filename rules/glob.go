package rules

import (
	"fmt"
	"strings"
)

// glob matches dotted names: `*` matches within one dot-separated segment,
// `**` matches across segments (including none), `?` one character.
type glob struct {
	pattern string
	exact   bool
	// literal counts the non-wildcard characters, for specificity.
	literal int
}

func compileGlob(p string) (glob, error) {
	if strings.Contains(p, "***") {
		return glob{}, fmt.Errorf("invalid glob %q: use * or **", p)
	}
	g := glob{pattern: p, exact: !strings.ContainsAny(p, "*?")}
	for _, c := range p {
		if c != '*' && c != '?' {
			g.literal++
		}
	}
	return g, nil
}

func (g glob) match(s string) bool {
	if g.exact {
		return g.pattern == s
	}
	return globMatch(g.pattern, s)
}

func globMatch(p, s string) bool {
	for len(p) > 0 {
		switch {
		case strings.HasPrefix(p, "**"):
			rest := strings.TrimPrefix(p[2:], ".")
			if p[2:] == "" {
				return true
			}
			// "**." may also match nothing: "a.**.b" matches "a.b".
			for i := 0; i <= len(s); i++ {
				if globMatch(rest, s[i:]) && (i == 0 || s[i-1] == '.' || rest == p[2:]) {
					return true
				}
			}
			return false
		case p[0] == '*':
			for i := 0; i <= len(s); i++ {
				if i > 0 && s[i-1] == '.' {
					break
				}
				if globMatch(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case len(s) == 0:
			return false
		case p[0] == '?':
			if s[0] == '.' {
				return false
			}
		case p[0] != s[0]:
			return false
		}
		p, s = p[1:], s[1:]
	}
	return len(s) == 0
}
