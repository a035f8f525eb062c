package aws

import (
	"sort"
	"strconv"
	"strings"
)

func isSep(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == ' '
}

// stripTokens removes the environment's tokens, as whole separator-delimited
// words, from a name referenced in an attribute value ("prod-orders-db" →
// "orders-db"). A name made only of tokens is returned unchanged.
func stripTokens(name string, tokens []string) string {
	if name == "" || len(tokens) == 0 {
		return name
	}
	type word struct{ sep, text string }
	var words []word
	i := 0
	for i < len(name) {
		j := i
		for j < len(name) && isSep(name[j]) {
			j++
		}
		k := j
		for k < len(name) && !isSep(name[k]) {
			k++
		}
		words = append(words, word{name[i:j], name[j:k]})
		i = k
	}
	var b strings.Builder
	kept := 0
	lead := ""
	for wi, w := range words {
		drop := false
		for _, t := range tokens {
			if t != "" && strings.EqualFold(w.text, t) {
				drop = true
				break
			}
		}
		if drop {
			if wi == 0 {
				lead = w.sep
			}
			continue
		}
		if kept == 0 {
			if wi == 0 {
				b.WriteString(w.sep)
			} else {
				b.WriteString(lead)
			}
		} else {
			b.WriteString(w.sep)
		}
		b.WriteString(w.text)
		kept++
	}
	if kept == 0 {
		return name
	}
	return b.String()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// sortedSet returns the distinct non-empty values, sorted.
func sortedSet(vals []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, v := range vals {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// lastSegment returns what follows the last sep ("arn:…:db:orders" → "orders").
func lastSegment(s string, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// chunks splits n indexes into batches of size.
func chunks(n, size int) [][2]int {
	var out [][2]int
	for i := 0; i < n; i += size {
		j := i + size
		if j > n {
			j = n
		}
		out = append(out, [2]int{i, j})
	}
	return out
}

// tagMap builds a tag map from key/value pairs; nil when empty.
func tagMap[T any](tags []T, kv func(T) (string, string)) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := kv(t)
		m[k] = v
	}
	return m
}

// numberOrText returns s as an integer when it is one ("512"), so that
// ratio and presence rules can judge it, else the text ("1 vCPU").
func numberOrText(s string) any {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		return n
	}
	return s
}
