package initconfig

import (
	"regexp"
	"strings"
)

// class is what a word in a name says about environments.
type class int

const (
	notEnv    class = iota
	plausible       // an unknown short word, an environment only beside a known one ("aat", "int2")
	region          // a region or datacenter word, standing for production where no file says "prod"
	known           // a well-known environment word
)

// family is a well-known environment and its spellings. rank orders the
// families by how production-like they are (lower: closer to production),
// for choosing the reference and, after it, the environment to compare.
type family struct {
	canonical string
	spellings []string
	rank      int
}

var families = []family{
	{"prod", []string{"prod", "production", "prd", "live", "prodn"}, 0},
	{"preprod", []string{"preprod", "pre-prod", "preproduction", "pre-production", "pprod"}, 1},
	{"staging", []string{"staging", "stage", "stg", "stag"}, 2},
	{"uat", []string{"uat"}, 3},
	{"qa", []string{"qa"}, 4},
	{"test", []string{"test", "testing", "tst"}, 5},
	{"demo", []string{"demo"}, 6},
	{"perf", []string{"perf", "perftest", "loadtest"}, 6},
	{"int", []string{"int", "integration"}, 6},
	{"sandbox", []string{"sandbox", "sbx"}, 7},
	{"dev", []string{"dev", "development", "develop"}, 8},
}

// rankPlausible and rankRegion place unknown words among the families.
const (
	rankRegion    = 0 // a region word can only be production
	rankPlausible = 6
)

var spellingFamily = func() map[string]*family {
	m := map[string]*family{}
	for i := range families {
		for _, s := range families[i].spellings {
			m[s] = &families[i]
		}
	}
	return m
}()

// regionPatterns recognise cloud regions and datacenter names: AWS
// (eu-west-1, use1), Google Cloud (europe-west1), Azure (westeurope,
// eastus2), DigitalOcean-style (fra1, ams3) and plain datacenters (dc1).
var regionPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx|cn)-(north|south|east|west|central|northeast|southeast|northwest|southwest|gov-west|gov-east|iso-east)-[0-9]$`),
	regexp.MustCompile(`^(use|usw|euw|euc|eun|eus|apne|apse|aps|sae|cac|mec|afs)[0-9]$`),
	regexp.MustCompile(`^(europe|us|asia|australia|northamerica|southamerica|me|africa)-(north|south|east|west|central|northeast|southeast|southwest|northwest)[0-9]{1,2}$`),
	regexp.MustCompile(`^(east|west|north|south|central|northcentral|southcentral|westcentral)(us|europe|asia|india|japan|uk)[0-9]?$`),
	regexp.MustCompile(`^(uk|uae|france|germany|norway|switzerland|brazil|korea|australia|canada|japan|sweden|poland|italy|qatar)(south|north|east|west|central|southeast)[0-9]?$`),
	regexp.MustCompile(`^(fra|ams|nyc|sfo|lon|sgp|blr|tor|syd|iad|dfw|ord|lax|sea|lhr|cdg|nrt|hkg|sin|gru|dub|mad|mil|waw|hel|sto|osl|zrh|vie|prg|bru|atl|mia|phx|den|yyz)[0-9]{1,2}$`),
	regexp.MustCompile(`^dc-?[0-9]{1,2}$`),
	regexp.MustCompile(`^(eu|us|emea|apac|amer|latam|anz|uk|de|fr|jp|au|ca|in|sg|br)$`),
}

// notEnvWords are words that name files' roles, never environments, though
// they stand where environment words do ("values-common.yaml").
var notEnvWords = map[string]bool{
	"base": true, "common": true, "default": true, "defaults": true, "shared": true, "global": true,
	"example": true, "examples": true, "sample": true, "samples": true, "template": true, "templates": true,
	"values": true, "local": true, "main": true, "all": true, "override": true, "overrides": true,
	"secret": true, "secrets": true, "config": true, "configs": true, "app": true, "settings": true,
	"appsettings": true, "application": true, "variables": true, "vars": true, "terraform": true,
	"backend": true, "provider": true, "providers": true, "versions": true, "outputs": true, "output": true,
	"kustomization": true, "chart": true, "readme": true, "docker": true, "compose": true, "ci": true,
	"env": true, "envs": true, "environments": true, "environment": true, "deploy": true, "deployment": true,
	"service": true, "ingress": true, "configmap": true, "hpa": true, "pdb": true, "job": true, "cron": true,
	"api": true, "web": true, "worker": true, "workers": true, "db": true, "data": true, "network": true,
	"old": true, "new": true, "bak": true, "backup": true, "orig": true, "tmp": true, "temp": true,
	"draft": true, "copy": true, "lock": true, "json": true, "yaml": true, "yml": true, "toml": true,
	"properties": true, "tfvars": true, "tfstate": true, "tf": true, "hcl": true, "tmpl": true, "txt": true,
	"md": true, "sh": true, "py": true, "go": true, "js": true, "ts": true, "dist": true, "src": true,
	"resources": true, "infra": true, "infrastructure": true, "helm": true, "k8s": true, "kubernetes": true,
	"manifests": true, "rendered": true, "overlays": true, "charts": true, "scripts": true, "modules": true,
}

var plausibleWord = regexp.MustCompile(`^[a-z][a-z0-9]{1,11}$`)

// classify says what a span of a name is: a well-known environment word
// (with its family), a region, a plausible unknown environment word, or
// nothing.
func classify(text string) (class, *family) {
	w := strings.ToLower(text)
	if f, ok := spellingFamily[w]; ok {
		return known, f
	}
	for _, re := range regionPatterns {
		if re.MatchString(w) {
			return region, nil
		}
	}
	if plausibleWord.MatchString(w) && !notEnvWords[w] {
		return plausible, nil
	}
	return notEnv, nil
}

// span is a run of one to three words inside one path component (or one
// name), by byte offsets into the whole string.
type span struct {
	start, end int
	// last: the span ends the file name (its extension, as in values.yaml;
	// or an environment as in .env.production).
	last bool
	// whole: the span is the whole component (a directory such as prod/).
	whole bool
}

// spans returns every span of one to three words of s, words being
// separated by '-', '_' and '.' within components separated by '/'.
func spans(s string) []span {
	var out []span
	compStart := 0
	for compStart <= len(s) {
		compEnd := strings.IndexByte(s[compStart:], '/')
		if compEnd < 0 {
			compEnd = len(s)
		} else {
			compEnd += compStart
		}
		isFile := compEnd == len(s)
		// word boundaries inside the component
		type word struct{ start, end int }
		var words []word
		i := compStart
		for i < compEnd {
			for i < compEnd && strings.IndexByte("-_.", s[i]) >= 0 {
				i++
			}
			j := i
			for j < compEnd && strings.IndexByte("-_.", s[j]) < 0 {
				j++
			}
			if j > i {
				words = append(words, word{i, j})
			}
			i = j
		}
		for a := range words {
			for b := a; b < len(words) && b < a+3; b++ {
				sp := span{start: words[a].start, end: words[b].end}
				sp.whole = sp.start == compStart && sp.end == compEnd
				sp.last = isFile && b == len(words)-1 && len(words) > 1
				out = append(out, sp)
			}
		}
		if compEnd == len(s) {
			break
		}
		compStart = compEnd + 1
	}
	return out
}
