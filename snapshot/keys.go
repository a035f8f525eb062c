package snapshot

import "strings"

// UnrecordedKeyID stands for the key of fingerprints found in a document
// that does not record which key made them: they cannot be compared with
// anything, since no key is known to match.
const UnrecordedKeyID = "unrecorded"

// HasFingerprints reports whether any of the resources holds a fingerprint
// (in its name, id, key, tags or attributes, as a whole value or inside
// one). Only documents that hold fingerprints need a known redaction key to
// be compared.
func HasFingerprints(rs []Resource) bool {
	for i := range rs {
		r := &rs[i]
		if holdsFingerprint(r.Name) || holdsFingerprint(r.ID) || holdsFingerprint(r.Key) {
			return true
		}
		for k, v := range r.Tags {
			if holdsFingerprint(k) || holdsFingerprint(v) {
				return true
			}
		}
		if valueHoldsFingerprint(r.Attrs) {
			return true
		}
	}
	return false
}

func holdsFingerprint(s string) bool { return strings.Contains(s, RedactedPrefix) }

func valueHoldsFingerprint(v any) bool {
	switch x := v.(type) {
	case string:
		return holdsFingerprint(x)
	case map[string]any:
		for k, e := range x {
			if holdsFingerprint(k) || valueHoldsFingerprint(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if valueHoldsFingerprint(e) {
				return true
			}
		}
	}
	return false
}
