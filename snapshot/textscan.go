package snapshot

import "strings"

// textFlags say, from one pass over a string, which of the redaction's
// regular expressions could match it at all. Most attribute values
// ("postgres", "15.4", "db.r6g.large") have none and are spared every one:
// diff redacts every snapshot file it reads, 50,000 resources and more.
type textFlags uint16

const (
	// fCredential: a marker every credential pattern contains (sk_, AKIA, eyJ, -----BEGIN…).
	fCredential textFlags = 1 << iota
	// fAuthScheme: bearer, basic, token or digest, in any case.
	fAuthScheme
	// fSecretWord: a fragment of a secret name (pass, secret, key, auth…), in any case.
	fSecretWord
	// fScheme: "://".
	fScheme
	fAt
	fEquals
	fColon
	fDash
	fNewline
	// fRedacted: "redacted:", a fingerprint inside.
	fRedacted
)

func (f textFlags) has(g textFlags) bool { return f&g != 0 }

// credentialPrefixes are the case-sensitive markers of credentialMarkers,
// by first byte.
var credentialPrefixes = func() (m [256][]string) {
	for _, p := range credentialMarkers {
		m[p[0]] = append(m[p[0]], p)
	}
	return m
}()

// secretFragments are lower-case fragments of every secret name and query
// parameter the pair and flag patterns look for, by first byte.
var secretFragments = func() (m [256][]string) {
	for _, w := range []string{"pass", "pw", "pin", "pat", "private", "secret", "sig", "salt", "session",
		"sid", "token", "key", "cred", "auth", "cookie", "otp", "bearer", "jwt", "dsn", "hook", "hmac",
		"code", "hash", "amz", "goog", "connection"} {
		m[w[0]] = append(m[w[0]], w)
	}
	return m
}()

// scanText computes the flags of s in one pass.
func scanText(s string) textFlags {
	var f textFlags
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ':':
			f |= fColon
			if strings.HasPrefix(s[i:], "://") {
				f |= fScheme
			}
			continue
		case '@':
			f |= fAt
			continue
		case '=':
			f |= fEquals
			continue
		case '-':
			f |= fDash
		case '\n':
			f |= fNewline
			continue
		}
		if ps := credentialPrefixes[c]; ps != nil && f&fCredential == 0 {
			for _, p := range ps {
				if strings.HasPrefix(s[i:], p) {
					f |= fCredential
					break
				}
			}
		}
		lc := c
		if c >= 'A' && c <= 'Z' {
			lc = c + 'a' - 'A'
		}
		switch lc {
		case 'b', 't', 'd':
			if f&fAuthScheme == 0 && (hasPrefixFold(s[i:], "bearer") || hasPrefixFold(s[i:], "basic") || hasPrefixFold(s[i:], "token") || hasPrefixFold(s[i:], "digest")) {
				f |= fAuthScheme
			}
		case 'r':
			if strings.HasPrefix(s[i:], "redacted:") {
				f |= fRedacted
			}
		}
		if ws := secretFragments[lc]; ws != nil && f&fSecretWord == 0 {
			for _, w := range ws {
				if hasPrefixFold(s[i:], w) {
					f |= fSecretWord
					break
				}
			}
		}
	}
	return f
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is lower case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
