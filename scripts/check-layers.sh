#!/usr/bin/env bash
# Fails on an #include that runs against the layers of ../shared/DESIGN.md ("The shape for growth"):
#   base -> events -> projections -> core rules -> net/engine -> net/session -> dialects
#   (net/native, net/lowf) -> net/transport -> the binaries (net/chatd.cpp, net/main.cpp);
#   replay depends on base, events and projections only.
# and against the domains' order (session, accounts, stranger, rooms, dms: a domain may use the ones before it):
#   - a generic file of events/, projections/, core/ or replay/ uses no domain, but for the
#     catalogs that list them (catalog.cpp, domains.cpp);
#   - net/engine knows no domain; net/session and net/transport know the session domain only.
# Tests may include anything. Prints every violation; exit 1 if there is one.
#   scripts/check-layers.sh [SOURCE_DIR]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

domains=(session accounts stranger rooms dms)  # in dependency order

rank_of() {  # the layer of a path; "" for files outside the layers (tests, system headers)
  case "$1" in
    core/base/*) echo 0 ;;
    events/*) echo 1 ;;
    projections/*) echo 2 ;;
    core/*) echo 3 ;;
    net/engine/*|net/metrics.*) echo 4 ;;
    net/config.*|net/log.*|net/session/*) echo 5 ;;
    net/native/*|net/lowf/*|net/palette/*) echo 6 ;;
    net/transport/*) echo 7 ;;
    net/*) echo 8 ;;
    replay/*) echo R ;;
    *) echo "" ;;
  esac
}

domain_of() {  # the domain a path belongs to, by its folder (events/<domain>/...), or ""
  local d
  for d in "${domains[@]}"; do
    case "$1" in */"$d"/*) echo "$d"; return ;; esac
  done
  echo ""
}

domain_index() {
  local i
  for i in "${!domains[@]}"; do [ "${domains[$i]}" = "$1" ] && { echo "$i"; return; }; done
  echo -1
}

problems=0
complain() {
  echo "$1:$2: includes \"$3\": $4"
  problems=$((problems + 1))
}

while IFS= read -r file; do
  from=$(rank_of "$file")
  [ -z "$from" ] && continue
  from_domain=$(domain_of "$file")
  base=$(basename "$file")
  while IFS=: read -r line target; do
    to=$(rank_of "$target")
    [ -z "$to" ] && continue
    to_domain=$(domain_of "$target")
    # Layers.
    if [ "$from" = R ]; then
      case "$to" in 0|1|2|R) ;; *) complain "$file" "$line" "$target" "replay/ uses only base, events and projections" ;; esac
    elif [ "$to" = R ]; then
      complain "$file" "$line" "$target" "only replay/ (and tests) may use replay/"
    elif [ "$to" -gt "$from" ]; then
      complain "$file" "$line" "$target" "a lower layer uses a higher one"
    fi
    # Domains.
    [ -z "$to_domain" ] && continue
    if [ -n "$from_domain" ]; then
      if [ "$(domain_index "$to_domain")" -gt "$(domain_index "$from_domain")" ]; then
        complain "$file" "$line" "$target" "domain $from_domain uses $to_domain, which comes after it"
      fi
      continue
    fi
    case "$file" in
      net/engine/*)
        complain "$file" "$line" "$target" "the engine, runner and router know no domain" ;;
      net/session/*|net/transport/*)
        [ "$to_domain" = session ] || complain "$file" "$line" "$target" "sessions and the transport know the session domain only" ;;
      net/native/*|net/lowf/*|net/*) ;;  # dialects render every domain they serve; the binaries wire them
      *)
        case "$base" in
          catalog.cpp|domains.cpp) ;;  # the one line per domain
          *) complain "$file" "$line" "$target" "a generic file uses a domain (only catalog.cpp and domains.cpp list them)" ;;
        esac ;;
    esac
  done < <(grep -n '^#include "' "$file" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/')
done < <(find core events projections net replay -type f \( -name '*.hpp' -o -name '*.cpp' \) | sort)

if [ "$problems" -gt 0 ]; then
  echo "$problems include(s) against the layers of DESIGN.md"
  exit 1
fi
echo "layers: every include follows DESIGN.md's order"
