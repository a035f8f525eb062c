package snapshot

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// RedactedPrefix starts every fingerprint that replaces a secret value.
const RedactedPrefix = "redacted:hmac-sha256:"

// Redactor replaces secret values by keyed fingerprints, so that equality
// across environments can still be checked ("staging uses production's SMTP
// password") without the value reaching a snapshot, a report or a log.
type Redactor struct {
	key []byte
	// Ephemeral is true when the key was generated for this run: fingerprints
	// then cannot be compared with those in snapshots written by other runs.
	Ephemeral bool
}

// NewRedactor returns a redactor keyed by key; an empty key draws a random
// one for this run.
func NewRedactor(key []byte) *Redactor {
	if len(key) > 0 {
		return &Redactor{key: append([]byte(nil), key...)}
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return &Redactor{key: k, Ephemeral: true}
}

// Fingerprint returns the keyed fingerprint of a secret value.
func (r *Redactor) Fingerprint(value string) string {
	mac := hmac.New(sha256.New, r.key)
	mac.Write([]byte(value))
	return RedactedPrefix + hex.EncodeToString(mac.Sum(nil))[:32]
}

// IsFingerprint reports whether s is a fingerprint made by a Redactor.
func IsFingerprint(s string) bool { return strings.HasPrefix(s, RedactedPrefix) }

// secretWords are name tokens that mark a value as secret wherever they appear.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
	"secret": true, "secrets": true, "token": true, "tokens": true, "credential": true,
	"credentials": true, "private": true, "dsn": true, "apikey": true, "auth": true,
	"authorization": true, "cookie": true, "signature": true, "salt": true, "otp": true,
}

// publicKeyWords precede "key" in names that are identifiers, not secrets.
var publicKeyWords = map[string]bool{
	"primary": true, "foreign": true, "sort": true, "partition": true, "hash": true,
	"range": true, "public": true, "cache": true, "idempotency": true, "routing": true,
	"shard": true, "unique": true, "kms": true, "ssh": true, "object": true, "s3": true,
	"lookup": true, "map": true, "group": true, "dedup": true, "deduplication": true,
}

// IsSecretKey reports whether an attribute or config key names a secret:
// SMTP_PASSWORD, apiKey, db.dsn, stripe_secret_key, client-secret.
func IsSecretKey(name string) bool {
	tokens := nameTokens(name)
	for i, t := range tokens {
		if secretWords[t] {
			return true
		}
		if t == "key" || t == "keys" {
			if i == 0 && len(tokens) == 1 {
				return true
			}
			if i > 0 && !publicKeyWords[tokens[i-1]] && i == len(tokens)-1 {
				return true
			}
		}
	}
	return false
}

// nameTokens splits snake, kebab, dotted and camel case names into lower-case words.
func nameTokens(name string) []string {
	var tokens []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			tokens = append(tokens, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	runes := []rune(name)
	for i, c := range runes {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
		case unicode.IsUpper(c) && i > 0 && unicode.IsLower(runes[i-1]):
			flush()
			cur = append(cur, c)
		default:
			cur = append(cur, c)
		}
	}
	flush()
	return tokens
}

// liveSecretPattern matches values that are credentials whatever their key:
// provider key prefixes and PEM private keys.
var liveSecretPattern = regexp.MustCompile(`^(sk_live_|rk_live_|pk_live_|sk_test_|AKIA[0-9A-Z]{12}|ASIA[0-9A-Z]{12}|xox[abposr]-|ghp_|gho_|ghs_|github_pat_|glpat-|SG\.[A-Za-z0-9_-]{10,}\.|AIza[0-9A-Za-z_-]{20})|-----BEGIN [A-Z ]*PRIVATE KEY-----`)

// IsSecretValue reports whether a value looks like a live credential on its own.
func IsSecretValue(v string) bool { return liveSecretPattern.MatchString(strings.TrimSpace(v)) }

// RedactString returns value with secrets replaced: the whole value when the
// key is secret-like or the value looks like a credential, only the password
// of a URL with userinfo otherwise. The bool reports whether anything changed.
func (r *Redactor) RedactString(key, value string) (string, bool) {
	if value == "" || IsFingerprint(value) {
		return value, false
	}
	if IsSecretKey(key) || IsSecretValue(value) {
		return r.Fingerprint(value), true
	}
	if strings.Contains(value, "://") && strings.Contains(value, "@") {
		if u, err := url.Parse(strings.TrimSpace(value)); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				u.User = url.UserPassword(u.User.Username(), r.Fingerprint(pw))
				return u.String(), true
			}
		}
	}
	return value, false
}

// RedactValue walks a JSON-native value and redacts every secret in it; key is
// the name the value is stored under.
func (r *Redactor) RedactValue(key string, v any) any {
	switch x := v.(type) {
	case string:
		out, _ := r.RedactString(key, x)
		return out
	case map[string]any:
		for k, e := range x {
			x[k] = r.RedactValue(k, e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = r.RedactValue(key, e)
		}
		return x
	}
	if key != "" && IsSecretKey(key) && v != nil {
		if _, isBool := v.(bool); !isBool {
			return r.Fingerprint(Format(v))
		}
	}
	return v
}

// RedactResource redacts a resource's attributes and tags in place.
func (r *Redactor) RedactResource(res *Resource) {
	for k, v := range res.Attrs {
		res.Attrs[k] = r.RedactValue(k, v)
	}
	for k, v := range res.Tags {
		res.Tags[k], _ = r.RedactString(k, v)
	}
}
