// Package diff pairs the same resource across environments and computes
// attribute-level changes between each pair. It is linear in the data: pairs
// are found through a map and each pair's attributes are walked directly.
package diff

import (
	"sort"
	"strconv"
	"strings"

	"github.com/envparity/envparity/snapshot"
)

// MatchOptions say how resource keys are derived (DESIGN.md § Matching).
type MatchOptions struct {
	// Tokens per environment are stripped from names (prod, production).
	Tokens map[string][]string
	// Tags are tag keys naming a resource's logical identity, in order.
	Tags []string
	// Aliases map, per resource type ("*" for any), a resource name to its key.
	Aliases map[string]map[string]string
}

// KeyInfo explains how one resource's match key was derived.
type KeyInfo struct {
	Env  string `json:"environment"`
	Type string `json:"type"`
	Name string `json:"name"`
	Key  string `json:"key"`
	// How is "collector", "alias", "tag:<key>" or "name"; a " (duplicate)"
	// suffix means several resources derived the same key and were numbered.
	How string `json:"how"`
}

// keyOf derives a resource's key in env, in order of precedence: the
// collector's key, an alias, a tag, the name with the environment's tokens removed.
func keyOf(r *snapshot.Resource, tokens []string, o *MatchOptions) (key, how string) {
	if r.Key != "" {
		return r.Key, "collector"
	}
	for _, t := range []string{r.Type, "*"} {
		if k, ok := o.Aliases[t][r.Name]; ok && k != "" {
			return k, "alias"
		}
	}
	for _, tag := range o.Tags {
		if v := r.Tags[tag]; v != "" {
			return StripTokens(v, tokens), "tag:" + tag
		}
	}
	return StripTokens(r.Name, tokens), "name"
}

func isSep(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == ' '
}

type segment struct {
	sep  string // separator run before the segment
	text string
}

func splitSegments(s string) (segs []segment, trailing string) {
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) && isSep(s[j]) {
			j++
		}
		k := j
		for k < len(s) && !isSep(s[k]) {
			k++
		}
		if k == j {
			return segs, s[i:]
		}
		segs = append(segs, segment{sep: s[i:j], text: s[j:k]})
		i = k
	}
	return segs, ""
}

// StripTokens removes environment tokens and their separators from a name:
// "prod-orders-db", "orders_prod_db" and "orders-db-prod" all give the
// name without "prod". Tokens match whole separator-delimited words,
// case-insensitively; a token may itself span words ("eu-prod"). A name made
// only of tokens is returned unchanged.
func StripTokens(name string, tokens []string) string {
	if len(tokens) == 0 || name == "" || !containsAnyFold(name, tokens) {
		return name
	}
	segs, trailing := splitSegments(name)
	drop := make([]bool, len(segs))
	for _, tok := range tokens {
		tsegs, _ := splitSegments(tok)
		if len(tsegs) == 0 {
			continue
		}
		for i := 0; i+len(tsegs) <= len(segs); i++ {
			match := true
			for j, ts := range tsegs {
				if !strings.EqualFold(segs[i+j].text, ts.text) {
					match = false
					break
				}
			}
			if match {
				for j := range tsegs {
					drop[i+j] = true
				}
			}
		}
	}
	var b strings.Builder
	kept := 0
	leading := ""
	for i, s := range segs {
		if drop[i] {
			if i == 0 {
				leading = s.sep // keep a leading "/" of a path
			}
			continue
		}
		if kept == 0 {
			if i == 0 {
				b.WriteString(s.sep)
			} else {
				b.WriteString(leading)
			}
		} else {
			b.WriteString(s.sep)
		}
		b.WriteString(s.text)
		kept++
	}
	if kept == 0 {
		return name
	}
	b.WriteString(trailing)
	return b.String()
}

// derived is a resource with the key derived for it.
type derived struct {
	r        *snapshot.Resource
	key, how string
}

// deriveKeys derives every resource's key in one environment and adds the
// tag-derived keys that are not unique within their type to ambiguous.
func deriveKeys(env string, s *snapshot.Snapshot, o *MatchOptions, ambiguous map[typeKey]bool) []derived {
	all := make([]derived, len(s.Resources))
	tagCounts := map[typeKey]int{}
	for i := range s.Resources {
		r := &s.Resources[i]
		k, how := keyOf(r, o.Tokens[env], o)
		all[i] = derived{r, k, how}
		if strings.HasPrefix(how, "tag:") {
			tk := typeKey{r.Type, k}
			if tagCounts[tk]++; tagCounts[tk] > 1 {
				ambiguous[tk] = true
			}
		}
	}
	return all
}

// indexEnv finalises one environment's keys. A tag names a resource's
// identity only while its value is unique within the type in every
// environment (a service tag shared by a primary and its replicas does not
// tell them apart); such resources fall back to their names everywhere, so
// both sides of a pair derive their keys the same way. Resources that still
// derive the same key are numbered (#2, #3) in name order so that nothing
// is silently dropped.
func indexEnv(env string, all []derived, o *MatchOptions, ambiguous map[typeKey]bool, infos *[]KeyInfo) map[typeKey]*snapshot.Resource {
	idx := make(map[typeKey]*snapshot.Resource, len(all))
	counts := make(map[typeKey]int, len(all))
	for i := range all {
		d := &all[i]
		if strings.HasPrefix(d.how, "tag:") && ambiguous[typeKey{d.r.Type, d.key}] {
			d.key, d.how = StripTokens(d.r.Name, o.Tokens[env]), "name ("+d.how+" is not unique)"
		}
		counts[typeKey{d.r.Type, d.key}]++
	}
	// Resources are sorted by type and name (snapshot.Sort), so numbering
	// duplicates in this order is deterministic.
	seen := make(map[typeKey]int)
	for _, d := range all {
		tk := typeKey{d.r.Type, d.key}
		if counts[tk] > 1 {
			seen[tk]++
			if n := seen[tk]; n > 1 {
				d.key += "#" + strconv.Itoa(n)
			}
			d.how += " (duplicate)"
			tk = typeKey{d.r.Type, d.key}
		}
		idx[tk] = d.r
		if infos != nil {
			*infos = append(*infos, KeyInfo{Env: env, Type: d.r.Type, Name: d.r.Name, Key: d.key, How: d.how})
		}
	}
	return idx
}

type typeKey struct{ typ, key string }

func sortKeyInfos(infos []KeyInfo) {
	sort.Slice(infos, func(i, j int) bool {
		a, b := infos[i], infos[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.Env < b.Env
	})
}

// containsAnyFold reports whether any token occurs in s, ignoring ASCII case:
// a cheap test that spares most names the allocation of splitting them.
func containsAnyFold(s string, tokens []string) bool {
	for _, t := range tokens {
		n := len(t)
		for i := 0; i+n <= len(s); i++ {
			if strings.EqualFold(s[i:i+n], t) {
				return true
			}
		}
	}
	return false
}
