package files

import (
	"path"
	"strings"
)

// EnvPlaceholder stands for the environment's token in a key when nothing
// else is left of a path segment ("config/prod.env" → "config/{env}.env").
const EnvPlaceholder = "{env}"

// KeyFromPath derives an environment-independent key from a slash-separated
// path: in every segment, words equal to one of the tokens (case-insensitive,
// words separated by '-', '_' or '.') are removed with their separator, so
// "deploy/values-prod.yaml" and "deploy/values-staging.yaml" both give
// "deploy/values.yaml"; a segment made only of tokens becomes "{env}"
// ("rendered/prod/app.yaml" → "rendered/{env}/app.yaml"). The extension of
// the last segment is kept as it is.
func KeyFromPath(p string, tokens []string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	segs := strings.Split(p, "/")
	for i, s := range segs {
		ext := ""
		if i == len(segs)-1 {
			ext = path.Ext(s)
			if ext == s || StripWords(strings.TrimPrefix(ext, "."), tokens, "-_.") == "" {
				// ".env" is all name; in ".env.prod" the token is the extension.
				ext = ""
			}
			s = strings.TrimSuffix(s, ext)
		}
		stripped := StripWords(s, tokens, "-_.")
		if stripped == "" && s != "" {
			stripped = EnvPlaceholder
		}
		segs[i] = stripped + ext
	}
	return strings.Join(segs, "/")
}

// StripWords removes the words of s equal to one of tokens (case-insensitive)
// together with one adjacent separator; seps are the separator characters.
// A token may span several words ("eu-prod"). What remains keeps its
// original separators; the empty string means s was made of tokens only.
func StripWords(s string, tokens []string, seps string) string {
	if s == "" || len(tokens) == 0 {
		return s
	}
	type word struct{ sep, text string }
	var words []word
	lead := ""
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) && strings.IndexByte(seps, s[j]) >= 0 {
			j++
		}
		k := j
		for k < len(s) && strings.IndexByte(seps, s[k]) < 0 {
			k++
		}
		if k == j { // trailing separators
			lead = s[i:]
			break
		}
		words = append(words, word{sep: s[i:j], text: s[j:k]})
		i = k
	}
	drop := make([]bool, len(words))
	for _, tok := range tokens {
		tw := strings.FieldsFunc(tok, func(r rune) bool { return strings.ContainsRune(seps, r) })
		if len(tw) == 0 {
			continue
		}
		for a := 0; a+len(tw) <= len(words); a++ {
			ok := true
			for b, t := range tw {
				if !strings.EqualFold(words[a+b].text, t) {
					ok = false
					break
				}
			}
			if ok {
				for b := range tw {
					drop[a+b] = true
				}
			}
		}
	}
	var out strings.Builder
	first := true
	for n, w := range words {
		if drop[n] {
			continue
		}
		if first {
			if n == 0 {
				out.WriteString(w.sep) // keep a leading separator (".hidden")
			}
			first = false
		} else {
			out.WriteString(w.sep)
		}
		out.WriteString(w.text)
	}
	if first {
		return ""
	}
	out.WriteString(lead)
	return out.String()
}
