package snapshot

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"
)

// RedactedPrefix starts every fingerprint that replaces a secret value.
const RedactedPrefix = "redacted:hmac-sha256:"

// LivePrefix starts the fingerprint of a value that looks like a live
// credential on its own (sk_live_…, AKIA…, xoxb-…, a PEM private key): the
// fact "this environment holds a live credential" survives redaction, so a
// rule can judge it (rules/pack/secrets.yaml).
const LivePrefix = RedactedPrefix + "live:"

// SecretsAttr is the attribute RedactResource adds to every resource that
// holds a secret: a map from the secret's attribute path (dotted, list
// elements as name[i], tags as tags.<key>) to its fingerprint. It gives the
// secret rules one place to look whatever the collector, so "staging shares
// production's SMTP password" is judged by the same rule for a .env file, a
// Terraform state or an AWS task definition.
const SecretsAttr = "secret_fingerprints"

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

// Fingerprint returns the keyed fingerprint of a secret value. A value that
// looks like a live credential gets the LivePrefix.
func (r *Redactor) Fingerprint(value string) string {
	mac := hmac.New(sha256.New, r.key)
	mac.Write([]byte(value))
	prefix := RedactedPrefix
	if IsLiveCredential(value) {
		prefix = LivePrefix
	}
	return prefix + hex.EncodeToString(mac.Sum(nil))[:32]
}

// IsFingerprint reports whether s is a fingerprint made by a Redactor.
func IsFingerprint(s string) bool { return strings.HasPrefix(s, RedactedPrefix) }

// IsLiveFingerprint reports whether s is the fingerprint of a value that
// looked like a live credential.
func IsLiveFingerprint(s string) bool { return strings.HasPrefix(s, LivePrefix) }

// fingerprintPattern finds fingerprints inside longer strings (the password
// of a URL).
var fingerprintPattern = regexp.MustCompile(`redacted:hmac-sha256:(?:live:)?[0-9a-f]{32}`)

// secretWords are name tokens that mark a value as secret wherever they appear.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
	"secret": true, "secrets": true, "token": true, "tokens": true, "credential": true,
	"credentials": true, "private": true, "dsn": true, "apikey": true, "auth": true,
	"authorization": true, "cookie": true, "signature": true, "salt": true, "otp": true,
	"pat": true, "bearer": true, "jwt": true, "connectionstring": true, "webhook": true,
}

// runTogetherSecretWords mark a secret even inside a longer word.
var runTogetherSecretWords = []string{"password", "passwd", "passphrase", "secret", "apikey", "credential", "privatekey", "accesskey", "authtoken"}

// publicKeyWords precede "key" in names that are identifiers, not secrets.
var publicKeyWords = map[string]bool{
	"primary": true, "foreign": true, "sort": true, "partition": true, "hash": true,
	"range": true, "public": true, "cache": true, "idempotency": true, "routing": true,
	"shard": true, "unique": true, "kms": true, "ssh": true, "object": true, "s3": true,
	"lookup": true, "map": true, "group": true, "dedup": true, "deduplication": true,
	"pair": true, "license": true, "composite": true, "index": true, "row": true,
}

// IsSecretKey reports whether an attribute or config key names a secret:
// SMTP_PASSWORD, apiKey, db.dsn, stripe_secret_key, client-secret,
// DATABASE_CONNECTION_STRING.
func IsSecretKey(name string) bool {
	// Attribute names repeat across thousands of resources: decide each once.
	if v, ok := secretKeyCache.Load(name); ok {
		return v.(bool)
	}
	secret := isSecretKey(name)
	secretKeyCache.Store(name, secret)
	return secret
}

var secretKeyCache sync.Map // name → bool

func isSecretKey(name string) bool {
	tokens := nameTokens(name)
	for i, t := range tokens {
		if secretWords[t] {
			return true
		}
		for _, w := range runTogetherSecretWords {
			if strings.Contains(t, w) {
				return true // PGPASSWORD, DBSECRET, APIKEY written as one word
			}
		}
		if t == "connection" && i+1 < len(tokens) && tokens[i+1] == "string" {
			return true
		}
		if t == "key" || t == "keys" {
			if len(tokens) == 1 {
				// "key: …" holds a key; "keys: […]" lists key names.
				return t == "key"
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

// liveCredentialPattern matches well-known prefixes of live credentials and
// PEM private keys anywhere in a value (a word boundary before the prefix).
var liveCredentialPattern = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])(?:sk_live_[0-9A-Za-z]{8,}|rk_live_[0-9A-Za-z]{8,}|whsec_[0-9A-Za-z]{16,}|(?:AKIA|ASIA)[0-9A-Z]{16}|xox[abposr]-[0-9A-Za-z-]{8,}|xapp-[0-9A-Za-z-]{8,}|gh[pousr]_[0-9A-Za-z]{20,}|github_pat_[0-9A-Za-z_]{20,}|glpat-[0-9A-Za-z_-]{16,}|SG\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}|AIza[0-9A-Za-z_-]{30,}|sk-(?:proj-|ant-)?[0-9A-Za-z_-]{20,}|npm_[0-9A-Za-z]{30,}|pypi-[0-9A-Za-z_-]{30,}|hooks\.slack\.com/services/[0-9A-Za-z/]{10,})|-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----`)

// otherSecretPattern matches credentials that are secret but not live
// (test-mode keys): they are redacted, not flagged.
var otherSecretPattern = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])(?:sk_test_[0-9A-Za-z]{8,}|rk_test_[0-9A-Za-z]{8,}|sk_live_|AKIA[0-9A-Z]{12}|ASIA[0-9A-Z]{12}|xox[abposr]-|ghp_|gho_|ghs_|github_pat_|glpat-|SG\.[A-Za-z0-9_-]{10,}\.|AIza[0-9A-Za-z_-]{20})`)

// IsLiveCredential reports whether a value contains something that looks
// like a live credential: a provider key prefix of a production key (sk_live_,
// AKIA, xoxb-, ghp_, …) or a PEM private key.
func IsLiveCredential(v string) bool {
	return mayHoldCredential(v) && liveCredentialPattern.MatchString(v)
}

// credentialMarkers are substrings every credential pattern above contains;
// a value without any of them is spared the regular expressions.
var credentialMarkers = []string{"sk_", "rk_", "whsec_", "AKIA", "ASIA", "xox", "xapp-", "gh", "github_pat_", "glpat-", "SG.", "AIza", "sk-", "npm_", "pypi-", "hooks.slack.com", "-----BEGIN"}

func mayHoldCredential(v string) bool {
	if len(v) < 8 {
		return false
	}
	for _, m := range credentialMarkers {
		if strings.Contains(v, m) {
			return true
		}
	}
	return false
}

// IsSecretValue reports whether a value looks like a credential on its own,
// live or test-mode, whatever key it is stored under.
func IsSecretValue(v string) bool {
	return mayHoldCredential(v) && (liveCredentialPattern.MatchString(v) || otherSecretPattern.MatchString(v))
}

// embeddedAssignment finds "name: value" and "name=value" lines inside a
// multi-line value (a properties or .env blob kept in one string).
var embeddedAssignment = regexp.MustCompile(`(?m)^[ \t]*(?:export[ \t]+)?["']?([A-Za-z0-9_.-]+)["']?[ \t]*[:=][ \t]*["']?[^\s"']`)

func hasEmbeddedSecret(v string) bool {
	if !strings.ContainsAny(v, "=:") {
		return false
	}
	for _, m := range embeddedAssignment.FindAllStringSubmatch(v, -1) {
		if IsSecretKey(m[1]) {
			return true
		}
	}
	return false
}

// RedactString returns value with secrets replaced: the whole value when the
// key is secret-like, the value contains a credential or a multi-line value
// assigns a secret-like name; only the password (or a secret query
// parameter) of a URL otherwise. The bool reports whether anything changed.
func (r *Redactor) RedactString(key, value string) (string, bool) {
	if value == "" || IsFingerprint(value) {
		return value, false
	}
	if IsSecretKey(key) || IsSecretValue(value) || hasEmbeddedSecret(value) {
		return r.Fingerprint(value), true
	}
	if strings.Contains(value, "://") {
		if out, ok := r.redactURL(value); ok {
			return out, true
		}
	}
	return r.redactInline(value)
}

// inlinePassword finds the password of a key=value connection string
// ("host=db user=app password=x", "Server=db;Password=x;") anywhere in a value.
var inlinePassword = regexp.MustCompile(`(?i)((?:^|[\s;&?,])(?:password|passwd|pwd)\s*=\s*)([^\s;&,'"]+)`)

// schemelessUserinfo finds "user:password@host" without a scheme (a Go MySQL
// DSN, "app:pw@tcp(db:3306)/x"); image digests ("nginx:1.25@sha256:…") are not it.
var schemelessUserinfo = regexp.MustCompile(`^([A-Za-z0-9_.+-]+):([^\s:@/]+)@([^\s]*)$`)

// bearerToken finds bearer tokens and JWTs stored under neutral keys.
var bearerToken = regexp.MustCompile(`(?i)^(?:bearer|token)\s+\S{16,}$|^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$`)

// redactInline replaces passwords inside connection strings and whole
// bearer tokens; the rest of the value stays readable.
func (r *Redactor) redactInline(value string) (string, bool) {
	if len(value) >= 16 && (strings.HasPrefix(value, "eyJ") || strings.ContainsRune(value, ' ')) && bearerToken.MatchString(strings.TrimSpace(value)) {
		return r.Fingerprint(value), true
	}
	hasAssign, hasAt := strings.ContainsRune(value, '='), strings.ContainsRune(value, '@')
	if !hasAssign && !hasAt {
		return value, false
	}
	changed := false
	out := value
	if hasAssign {
		out = inlinePassword.ReplaceAllStringFunc(value, func(m string) string {
			sub := inlinePassword.FindStringSubmatch(m)
			if IsFingerprint(sub[2]) {
				return m
			}
			changed = true
			return sub[1] + r.Fingerprint(sub[2])
		})
	}
	if !hasAt {
		return out, changed
	}
	if sub := schemelessUserinfo.FindStringSubmatch(out); sub != nil && !strings.HasPrefix(sub[3], "sha") && !IsFingerprint(sub[2]) {
		out = sub[1] + ":" + r.Fingerprint(sub[2]) + "@" + sub[3]
		changed = true
	}
	return out, changed
}

// redactURL replaces the password of a URL with userinfo and the values of
// secret-like query parameters. It edits the text rather than re-encoding
// the URL, so fingerprints stay readable and redaction is idempotent.
func (r *Redactor) redactURL(value string) (string, bool) {
	target := strings.TrimSpace(value)
	if len(target) > 5 && strings.EqualFold(target[:5], "jdbc:") {
		target = target[5:] // jdbc:postgresql://… is a URL after the prefix
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		if strings.Contains(value, "@") {
			// Unparseable but may hold userinfo: keep nothing of it.
			return r.Fingerprint(value), true
		}
		return value, false
	}
	out := value
	changed := false
	if u.User != nil {
		i := strings.Index(out, "://") + 3
		end := len(out)
		if j := strings.IndexAny(out[i:], "/?#"); j >= 0 {
			end = i + j
		}
		if at := strings.LastIndex(out[i:end], "@"); at >= 0 {
			userinfo := out[i : i+at]
			name, pw, hasPW := strings.Cut(userinfo, ":")
			switch {
			case IsFingerprint(userinfo):
			case hasPW && pw != "" && !IsFingerprint(pw):
				out = out[:i] + name + ":" + r.Fingerprint(pw) + out[i+at:]
				changed = true
			case !hasPW && len(name) >= 16 && !IsFingerprint(name):
				// A long user name with no password is a token used as user (https://TOKEN@host).
				out = out[:i] + r.Fingerprint(name) + out[i+at:]
				changed = true
			}
		}
	}
	if q := strings.IndexByte(out, '?'); q >= 0 {
		rest := out[q+1:]
		frag := ""
		if h := strings.IndexByte(rest, '#'); h >= 0 {
			rest, frag = rest[:h], rest[h:]
		}
		parts := strings.Split(rest, "&")
		for i, part := range parts {
			k, v, ok := strings.Cut(part, "=")
			name, err := url.QueryUnescape(k)
			if !ok || v == "" || err != nil || !IsSecretKey(name) || IsFingerprint(v) {
				continue
			}
			parts[i] = k + "=" + r.Fingerprint(v)
			changed = true
		}
		out = out[:q+1] + strings.Join(parts, "&") + frag
	}
	if !changed {
		return value, false
	}
	return out, true
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
			// Write back only what changed: most values are no secret.
			if s, ok := e.(string); ok {
				if out, changed := r.RedactString(k, s); changed {
					x[k] = out
				}
				continue
			}
			x[k] = r.RedactValue(k, e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = r.RedactValue(key, e)
		}
		return x
	}
	if key != "" && v != nil && IsSecretKey(key) {
		if _, isBool := v.(bool); !isBool {
			return r.Fingerprint(Format(v))
		}
	}
	return v
}

// RedactResource redacts a resource's attributes and tags in place, then
// records every fingerprint it holds under SecretsAttr (see there); a
// resource without secrets gets no such attribute.
func (r *Redactor) RedactResource(res *Resource) {
	delete(res.Attrs, SecretsAttr)
	r.RedactValue("", res.Attrs) // in place
	var found map[string]any
	for k, v := range res.Attrs {
		if mayHoldFingerprint(v) {
			if found == nil {
				found = map[string]any{}
			}
			collectFingerprints(k, v, found)
		}
	}
	for k, v := range res.Tags {
		if out, changed := r.RedactString(k, v); changed {
			res.Tags[k] = out
		}
		if found == nil {
			found = map[string]any{}
		}
		collectFingerprints("tags."+k, res.Tags[k], found)
	}
	if len(found) > 0 {
		if res.Attrs == nil {
			res.Attrs = map[string]any{}
		}
		res.Attrs[SecretsAttr] = found
	}
}

// Fingerprints returns the fingerprints held in attrs, by dotted path, the
// way RedactResource records them under SecretsAttr.
func Fingerprints(attrs map[string]any) map[string]string {
	found := map[string]any{}
	for k, v := range attrs {
		if k != SecretsAttr {
			collectFingerprints(k, v, found)
		}
	}
	out := make(map[string]string, len(found))
	for k, v := range found {
		out[k] = v.(string)
	}
	return out
}

func collectFingerprints(path string, v any, found map[string]any) {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, RedactedPrefix) {
			return
		}
		if fp := fingerprintPattern.FindString(x); fp != "" {
			found[path] = fp
		}
	case map[string]any:
		for k, e := range x {
			if mayHoldFingerprint(e) {
				collectFingerprints(path+"."+k, e, found)
			}
		}
	case []any:
		for i, e := range x {
			if mayHoldFingerprint(e) {
				collectFingerprints(fmt.Sprintf("%s[%d]", path, i), e, found)
			}
		}
	}
}

// mayHoldFingerprint spares collectFingerprints the paths of plain values.
func mayHoldFingerprint(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, RedactedPrefix)
	case map[string]any, []any:
		return true
	}
	return false
}

// KeyID identifies the redaction key without revealing it: snapshots
// fingerprinted with different keys have different IDs.
func (r *Redactor) KeyID() string {
	mac := hmac.New(sha256.New, r.key)
	mac.Write([]byte("envparity redaction key id"))
	return hex.EncodeToString(mac.Sum(nil))[:16]
}
