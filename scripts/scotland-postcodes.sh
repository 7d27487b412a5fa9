#!/usr/bin/env bash
# Makes src/demo/scotland-postcodes.csv.gz, the postcode file `serve --demo`
# loads, from Ordnance Survey's Code-Point Open as published:
#
#   scripts/scotland-postcodes.sh [path/to/codepo_gb.zip]
#
# (default ../shared/data/code-point-open/codepo_gb.zip). It keeps
# Code-Point Open's own rows, unchanged, for Scotland (Country_code
# S92000003), sorted by postcode, under a `#` header giving the release,
# the columns and the attribution the Open Government Licence asks for; the
# importer reads it like any Code-Point Open CSV. Rerun it for a new release
# and update the year in the attribution lines if the release's licence.txt
# changes it. Needs unzip, awk, sort, tr, grep, sed, iconv and GNU gzip (whose
# `-9n` output is the same bytes for the same rows, so an unchanged release
# gives an unchanged file).
set -euo pipefail
cd "$(dirname "$0")/.."

zip="${1:-../shared/data/code-point-open/codepo_gb.zip}"
out="src/demo/scotland-postcodes.csv.gz"
[ -f "$zip" ] || { echo "no such file: $zip" >&2; exit 1; }

# The release as its metadata names it (e.g. "2025.2.0"), for the header.
release="$(unzip -p "$zip" Doc/metadata.txt | tr -d '\r' | awk -F': *' 'tolower($1) ~ /version/ { print $2; exit }')"
# licence.txt has been Latin-1 (its © is one byte); take UTF-8 as it is.
licence="$(unzip -p "$zip" Doc/licence.txt | tr -d '\r')"
if ! printf '%s' "$licence" | iconv -f utf-8 -t utf-8 >/dev/null 2>&1; then
  licence="$(printf '%s' "$licence" | iconv -f latin1 -t utf-8)"
fi
attribution="$(printf '%s\n' "$licence" | grep -aE '^Contains ')"
[ -n "$attribution" ] || { echo "no attribution lines in Doc/licence.txt" >&2; exit 1; }

{
  echo "# Scotland's postcodes from OS Code-Point Open${release:+ (release $release)}, rows as published."
  echo "# Made by scripts/scotland-postcodes.sh; Open Government Licence v3:"
  echo "# https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
  printf '%s\n' "$attribution" | sed 's/^/# /'
  echo "# Columns: Postcode, Positional_quality_indicator, Eastings, Northings, Country_code,"
  echo "# NHS_regional_HA_code, NHS_HA_code, Admin_county_code, Admin_district_code, Admin_ward_code"
  unzip -p "$zip" 'Data/CSV/*.csv' | tr -d '\r' | awk -F, '$5 == "\"S92000003\""' | LC_ALL=C sort
} | gzip -9n > "$out"

echo "$out: $(gzip -dc "$out" | grep -avc '^#') postcodes, $(wc -c < "$out") bytes" >&2
