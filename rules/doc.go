// Package rules judges differences: rule definitions, the built-in rule pack
// (embedded YAML under pack/), CEL conditions, waivers and baselines turn the
// diff's changes into findings.
package rules
