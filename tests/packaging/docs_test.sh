#!/usr/bin/env bash
# Documentation drift: every option the ss-mode parser accepts (read from
# app/ss_options.cpp's getopt tables) must appear in `sockwatch --help`, the
# built man page and both completions; every family, -A table and state name
# the completion offers must be accepted by the parser, and every one ss's usage
# lists (and the parser accepts) must be offered. Each planned subcommand
# must have no man page yet; each implemented one must have one. A subcommand
# with an options table (app/subcommands.cpp kNameOptions) must have every
# option in its page sockwatch-NAME(8), both completions and its --help.
# Usage: docs_test.sh SOURCE_DIR BUILD_DIR SOCKWATCH
set -uo pipefail
src=$1 build=$2 bin=$3
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# The parser's spellings, from its getopt tables.
shorts=$(sed -n 's/.*kShortOpts\[\] = "\(.*\)";/\1/p' "$src/app/ss_options.cpp" | tr -d ':' | fold -w1)
longs=$(sed -n '/kLongOpts\[\] = {/,/nullptr, 0, nullptr, 0/p' "$src/app/ss_options.cpp" |
  grep -o '{"[a-z0-9-]*", [01]' | sed 's/{"\([^"]*\)".*/\1/')
ns=$(echo "$shorts" | wc -l) nl=$(echo "$longs" | wc -l)
((ns >= 30 && nl >= 40)) || bad "could not read the parser's options ($ns short, $nl long)"
opts=()
for c in $shorts; do opts+=("-$c"); done
for l in $longs; do opts+=("--$l"); done

# A token check: the option followed by a separator, not a longer name.
has() {  # has TEXT OPT
  grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" <<<"$1"  # option names are [a-z0-9-]
}

help=$("$bin" --help) || bad "sockwatch --help exited $?"
man_page="$build/man/sockwatch.8"
[[ -s $man_page ]] || bad "no built man page $man_page"
warn=$(LC_ALL=C MANWIDTH=250 man --warnings -l "$man_page" 2>&1 >/dev/null)
[[ -z $warn ]] || bad "man page warnings: $warn"
man_text=$(LC_ALL=C MANWIDTH=250 man -l "$man_page" 2>/dev/null | col -b)

bash_comp=$src/completions/sockwatch.bash zsh_comp=$src/completions/_sockwatch
bash -n "$bash_comp" || bad "bash completion does not parse"
zsh -n "$zsh_comp" || bad "zsh completion does not parse"
[[ $(bash -c "source '$bash_comp'; complete -p sockwatch") == "complete -F _sockwatch sockwatch" ]] ||
  bad "bash completion does not register for sockwatch"
complete_bash() {  # complete_bash WORD... : what the completion offers for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=(sockwatch "$@"); COMP_CWORD=$#; _sockwatch
           printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_comp" "$@"
}
bash_opts=$( (complete_bash -; complete_bash --) | sed 's/=$//')
zsh_text=$(cat "$zsh_comp")

for o in "${opts[@]}"; do
  has "$help" "$o" || bad "$o is accepted but not in --help"
  has "$man_text" "$o" || bad "$o is accepted but not in sockwatch(8)"
  grep -qxF -- "$o" <<<"$bash_opts" || bad "$o is accepted but not offered by the bash completion"
  has "$zsh_text" "$o" || bad "$o is accepted but not in the zsh completion"
done

# Option values: offered ones must parse; listed ones must be offered.
rejects() {  # rejects MESSAGE ARGS...: the parser's verdict on a value
  local msg=$1
  shift
  local err
  err=$("$bin" "$@" -F /nonexistent/sockwatch-docs-test 2>&1 >/dev/null)
  grep -q "$msg" <<<"$err"
}
usage_list() {  # the {a|b|...} list after NAME := in ss's usage text
  grep -F "$1 := {" <<<"$help" | head -1 |
    sed "s/.*$1 := {//; s/}\(\[,QUERY\]\)\{0,1\}\$//; s/fin-wait-{1,2}/fin-wait-1|fin-wait-2/g" | tr '|' '\n'
}
check_values() {  # check_values WHAT MESSAGE OPT LISTED OFFERED
  local what=$1 msg=$2 opt=$3 listed=$4 offered=$5 v
  for v in $offered; do
    rejects "$msg" $opt "$v" && bad "the completion offers $what '$v', which the parser rejects"
  done
  for v in $listed; do
    if rejects "$msg" $opt "$v"; then
      echo "note: ss's usage lists $what '$v' but sockwatch's parser rejects it"
      continue
    fi
    grep -qxF "$v" <<<"$offered" || bad "$what '$v' is accepted but not offered by bash"
    grep -qw -- "$v" <<<"$zsh_text" || bad "$what '$v' is accepted but not in the zsh completion"
  done
}
fam_listed=$(usage_list FAMILY) q_listed=$(usage_list QUERY)
st_listed=$( (usage_list STATE-FILTER; usage_list TCP-STATES) | grep -vx TCP-STATES)
[[ -n $fam_listed && -n $q_listed && -n $st_listed ]] || bad "could not read the usage's lists"
check_values family "is invalid family" -f "$fam_listed" "$(complete_bash -f '')"
check_values "-A table" "illegal socket table id" -A "$q_listed" "$(complete_bash -A '')"
check_values state "wrong state name" state "$st_listed" "$(complete_bash state '')"
# Filter keywords the completion offers after the options.
for k in src dst sport dport dev fwmark cgroup autobound state exclude; do
  grep -qxF "$k" <<<"$(complete_bash '')" || bad "filter keyword $k not offered by bash"
  grep -qw -- "$k" <<<"$zsh_text" || bad "filter keyword $k not in the zsh completion"
done

# Subcommands: from the registry as --help prints it.
implemented=$(sed -n '/^sockwatch: subcommands/,/^$/p' <<<"$help" | awk 'NR>1 && NF {print $1}')
planned=$(sed -n '/^sockwatch: planned subcommands/,/^$/p' <<<"$help" | awk 'NR>1 && NF {print $1}')
[[ -n $implemented$planned ]] || bad "--help lists no subcommands"
# A subcommand's options, from its kNameOptions table in app/subcommands.cpp
# (the registry rows that --help and the parser are built from).
sub_opts() {  # sub_opts NAME: one spelling per line (-t, --tcp, ...)
  local var="k${1^}Options"
  sed -n "/const OptionDoc $var\[\] = {/,/^};/p" "$src/app/subcommands.cpp" |
    grep -o "^ *{\(0\|'.'\), \"[a-z0-9-]*\"" |
    sed "s/^ *{//; s/'\(.\)'/-\1/; s/\"\([a-z0-9-]\{1,\}\)\"/--\1/; s/\"\"//; s/^0, //; s/, \$//; s/, / /" |
    tr ' ' '\n' | grep -v '^$'
}
# Documented: a subcommand with an options table, implemented or still being
# wired. Its page, completions and (once it runs) --help must carry every option.
documented=""
for s in $implemented $planned; do
  sopts=$(sub_opts "$s")
  [[ -n $sopts ]] || continue
  documented+=" $s"
  page="$build/man/sockwatch-$s.8"
  [[ -e $src/man/sockwatch-$s.8.scd ]] || bad "subcommand $s has options but no man page"
  [[ -s $page ]] || { bad "no built man page $page"; continue; }
  warn=$(LC_ALL=C MANWIDTH=250 man --warnings -l "$page" 2>&1 >/dev/null)
  [[ -z $warn ]] || bad "sockwatch-$s(8) warnings: $warn"
  sman=$(LC_ALL=C MANWIDTH=250 man -l "$page" 2>/dev/null | col -b)
  sbash=$( (complete_bash "$s" -; complete_bash "$s" --) | sed 's/=$//')
  shelp=""
  "$bin" "$s" --help >/dev/null 2>&1 && shelp=$("$bin" "$s" --help)
  n=0
  for o in $sopts; do
    n=$((n + 1))
    has "$sman" "$o" || bad "$s $o is in the registry but not in sockwatch-$s(8)"
    grep -qxF -- "$o" <<<"$sbash" || bad "$s $o is in the registry but not offered by bash"
    has "$zsh_text" "$o" || bad "$s $o is in the registry but not in the zsh completion"
    [[ -z $shelp ]] || has "$shelp" "$o" || bad "$s $o is in the registry but not in $s --help"
  done
  # And nothing offered that the registry does not have.
  for o in $sbash; do
    grep -qxF -- "$o" <<<"$sopts" || bad "bash offers $s $o, which is not in the registry"
  done
  grep -qxF "$s" <<<"$(complete_bash '')" || bad "subcommand $s is not offered by bash"
  grep -qw -- "$s" <<<"$zsh_text" || bad "subcommand $s is not in the zsh completion"
  has "$man_text" "sockwatch-$s" || bad "sockwatch(8) does not point to sockwatch-$s(8)"
  ((n >= 3)) || bad "could not read $s's options from app/subcommands.cpp ($n)"
done
for s in $planned; do
  if [[ " $documented " != *" $s "* ]]; then
    [[ ! -e $src/man/sockwatch-$s.8.scd ]] || bad "planned subcommand $s has a man page"
    grep -qxF "$s" <<<"$(complete_bash '')" && bad "planned subcommand $s is offered by bash"
  fi
  out=$("$bin" "$s" 2>&1)
  st=$?
  [[ $st == 2 && $out == "sockwatch: $s: not implemented in this version" ]] ||
    bad "sockwatch $s: status $st, '$out'"
done
for s in $implemented; do
  [[ -e $src/man/sockwatch-$s.8.scd ]] || bad "subcommand $s has no man page"
  grep -qxF "$s" <<<"$(complete_bash '')" || bad "subcommand $s is not offered by bash"
  grep -qw -- "$s" <<<"$zsh_text" || bad "subcommand $s is not in the zsh completion"
  has "$man_text" "$s" || bad "subcommand $s is not in sockwatch(8)"
done

((fail == 0)) && echo "docs agree: ${#opts[@]} option spellings; $(echo $implemented | wc -w) implemented, $(echo $planned | wc -w) planned subcommands, documented:${documented:- none}"
exit $fail
