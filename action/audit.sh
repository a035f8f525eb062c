#!/usr/bin/env bash
# Runs the audit for the GitHub Action (action.yml): annotations on stdout
# (the github format), the Markdown summary appended to GITHUB_STEP_SUMMARY,
# SARIF and JSON written where the inputs say, Slack when asked. The step
# fails with envparity's exit code (0 pass, 1 drift at or above fail-on,
# 2 config error, 3 a source could not be collected, 4 not delivered).
# Inputs come from the environment as INPUT_* (see action.yml).
set -uo pipefail

summary="${RUNNER_TEMP:-/tmp}/envparity-summary-${GITHUB_RUN_ID:-0}-${GITHUB_JOB:-job}.md"
findings="${INPUT_FINDINGS:-envparity-findings.json}"
sarif="${INPUT_SARIF:-envparity.sarif}"

args=(audit -c "${INPUT_CONFIG:-envparity.yaml}" --fail-on "${INPUT_FAIL_ON:-error}"
  --format github --format "markdown=$summary" --format "json=$findings")
if [ -n "$sarif" ]; then args+=(--format "sarif=$sarif"); fi
while IFS= read -r f; do
  f="$(echo "$f" | xargs)"
  if [ -n "$f" ]; then args+=(--format "$f"); fi
done < <(printf '%s\n' "${INPUT_FORMATS:-}" | tr ',' '\n')
if [ -n "${INPUT_BASELINE:-}" ]; then args+=(--baseline "$INPUT_BASELINE"); fi
if [ "${INPUT_BASELINE_MISSING_OK:-false}" = true ]; then args+=(--baseline-missing-ok); fi
if [ -n "${INPUT_SLACK_WEBHOOK_ENV:-}" ]; then args+=(--slack-webhook-env "$INPUT_SLACK_WEBHOOK_ENV"); fi
if [ "${INPUT_SLACK_ONLY_ON_CHANGE:-false}" = true ]; then args+=(--slack-only-on-change); fi
if [ -n "${GITHUB_SERVER_URL:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ] && [ -n "${GITHUB_RUN_ID:-}" ]; then
  args+=(--report-link "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID")
fi
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "$INPUT_ARGS"
  args+=("${extra[@]}")
fi

envparity "${args[@]}"
code=$?

if [ -s "$summary" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
{
  echo "exit-code=$code"
  echo "findings=$findings"
  if [ -n "$sarif" ] && [ -s "$sarif" ]; then echo "sarif=$sarif"; else echo "sarif="; fi
  echo "summary=$summary"
} >> "${GITHUB_OUTPUT:-/dev/null}"
exit "$code"
