package diff

import (
	"sort"
	"strings"

	"github.com/envparity/envparity/snapshot"
)

// TokenHint says that resources stayed unpaired because their names differ
// by one consistent word that is not among an environment's tokens (a data
// centre or region name used where the reference says "prod"): adding Word
// to Env's tokens would pair them.
type TokenHint struct {
	// Env is the environment whose tokens lack Word.
	Env  string `json:"environment"`
	Word string `json:"word"`
	// Pairs is how many unpaired resources the word would pair.
	Pairs int `json:"pairs"`
	// Against is the environment the resources would pair with.
	Against string `json:"against"`
	// Example is one resource name of Env the word explains.
	Example string `json:"example"`
}

// minHintPairs is how many unpaired resources one word must explain before
// it is worth a hint: one may be a coincidence, two are a convention.
const minHintPairs = 2

// tokenHints looks at the resources of one environment and the reference
// that stayed unpaired, type by type, for names (keys, tokens already
// removed) that become equal once one word is removed from one side, or
// one word is replaced at the same place on both sides. A word that
// explains at least minHintPairs of them is a hint. Linear in the number of
// unpaired resources times their words: each key is indexed under itself
// and under each of its one-word-removed variants.
func tokenHints(ref, env string, refOnly, otherOnly []*Pair) []TokenHint {
	type cand struct {
		env, word, against string
	}
	counts := map[cand]int{}
	examples := map[cand]string{}
	byType := func(ps []*Pair) map[string][]*Pair {
		m := map[string][]*Pair{}
		for _, p := range ps {
			m[p.Type] = append(m[p.Type], p)
		}
		return m
	}
	refBy, otherBy := byType(refOnly), byType(otherOnly)
	for typ, rs := range refBy {
		os := otherBy[typ]
		if len(os) == 0 {
			continue
		}
		// variant text → (position dropped, word dropped, name) for the other side
		type variant struct {
			pos  int
			word string
			name string
		}
		otherFull := map[string]string{}
		otherDrop := map[string][]variant{}
		for _, p := range os {
			ws := splitKey(p.Key)
			otherFull[strings.Join(ws, "\x00")] = p.Other.Name
			for i := range ws {
				v := dropWord(ws, i)
				otherDrop[v] = append(otherDrop[v], variant{i, ws[i], p.Other.Name})
			}
		}
		seen := map[cand]map[string]bool{}
		add := func(c cand, example, id string) {
			if seen[c] == nil {
				seen[c] = map[string]bool{}
			}
			if !seen[c][id] {
				seen[c][id] = true
				counts[c]++
			}
			if e, ok := examples[c]; !ok || example < e {
				examples[c] = example
			}
		}
		for _, p := range rs {
			ws := splitKey(p.Key)
			full := strings.Join(ws, "\x00")
			// The other side has one word more: it belongs to its tokens.
			if full != "" {
				for _, v := range otherDrop[full] {
					add(cand{env, v.word, ref}, v.name, p.Key)
				}
			}
			for i := range ws {
				d := dropWord(ws, i)
				if d == "" {
					continue
				}
				// The reference has one word more.
				if _, ok := otherFull[d]; ok {
					add(cand{ref, ws[i], env}, p.Ref.Name, p.Key)
				}
				// One word each, at the same place: each side's word is a token.
				for _, v := range otherDrop[d] {
					if v.pos == i && v.word != ws[i] {
						add(cand{env, v.word, ref}, v.name, p.Key)
						add(cand{ref, ws[i], env}, p.Ref.Name, p.Key)
					}
				}
			}
		}
	}
	var out []TokenHint
	for c, n := range counts {
		if n >= minHintPairs && !isNumber(c.word) {
			out = append(out, TokenHint{Env: c.env, Word: c.word, Pairs: n, Against: c.against, Example: examples[c]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pairs != out[j].Pairs {
			return out[i].Pairs > out[j].Pairs
		}
		if out[i].Env != out[j].Env {
			return out[i].Env < out[j].Env
		}
		return out[i].Word < out[j].Word
	})
	return out
}

func splitKey(k string) []string {
	return strings.FieldsFunc(strings.ToLower(k), func(r rune) bool { return strings.ContainsRune(snapshot.NameSeparators, r) })
}

func dropWord(ws []string, i int) string {
	var b strings.Builder
	for j, w := range ws {
		if j == i {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(0)
		}
		b.WriteString(w)
	}
	return b.String()
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
