# bash completion for sockwatch (installed as
# /usr/share/bash-completion/completions/sockwatch). Plain bash: no
# bash-completion helpers needed. tests/packaging/docs_test.sh checks that
# every option the parser accepts is offered here.

_sockwatch() {
  local cur prev
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_CWORD:+${COMP_WORDS[COMP_CWORD-1]}}

  local shorts="-h -V -v -n -r -a -l -o -e -m -p -T -i -s -b -E -Z -z -N -4 -6 -0 -t -M -S -u
    -d -w -x -f -K -H -O -A -D -F -j"
  local longs="--help --version --numeric --resolve --all --listening --options --extended
    --memory --processes --threads --info --tipcinfo --summary --tos --cgroup --bpf --events
    --context --contexts --net= --ipv4 --ipv6 --packet --tcp --mptcp --sctp --udp --dccp --raw
    --unix --tipc --vsock --xdp --family= --kill --no-header --oneline --inet-sockopt --query=
    --socket= --diag= --filter= --json --ndjson --all-netns --replay= --record="
  local families="inet inet6 link unix netlink vsock tipc xdp help"
  local queries="all inet tcp mptcp udp raw unix unix_dgram unix_stream unix_seqpacket packet
    packet_raw packet_dgram netlink dccp sctp vsock vsock_stream vsock_dgram tipc xdp"
  local states="all connected synchronized bucket big established syn-sent syn-recv fin-wait-1
    fin-wait-2 time-wait closed close-wait last-ack listening closing unknown"
  local keywords="state exclude src dst sport dport dev fwmark cgroup autobound and or not"
  # Subcommands with an options table: each adds its word here and its
  # options below when it lands.
  local subcommands="log top baseline check metrics"
  local log_shorts="-t -u -w -x -4 -6 -A -o -h"
  local log_longs="--tcp --udp --raw --unix --ipv4 --ipv6 --query= --all-netns --output=
    --rotate-size= --rotate-keep= --ecs --db= --interval= --health-interval= --no-ebpf --help"
  local top_shorts="-t -u -w -x -4 -6 -d -b -n -j -h"
  local top_longs="--tcp --udp --raw --unix --ipv4 --ipv6 --all-netns --delay= --linger=
    --view= --sort= --search= --mono --no-mouse --no-ebpf --batch --iterations= --json --width=
    --help"
  local baseline_shorts="-j -h"
  local baseline_longs="--db= --this-netns --replay= --json --inbound-peers --gone-talkers --id=
    --help"
  local baseline_actions="save diff accept list show delete"
  local check_shorts="-j -h"
  local check_longs="--rules= --rules-add= --print-rules --min-severity= --baseline= --no-baseline
    --db= --this-netns --record= --replay= --json --ecs --help"
  local metrics_shorts="-h"
  local metrics_longs="--textfile= --interval= --listen= --listen-any --check-interval=
    --all-netns --this-netns --top-peers= --max-listeners= --no-findings --help"

  # The subcommand: the first word that is neither an option nor an option's
  # argument (ss's grammar; only -f, -A, -N, -D and -F take a separate one).
  local sub="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      -f | -A | -N | -D | -F | --family | --query | --socket | --net | --diag | --filter | \
        --replay | --record) ((i++)) ;;
      -*) ;;
      *)
        [[ " $subcommands " == *" $w "* ]] && sub=$w
        break
        ;;
    esac
  done
  if [[ $sub == log ]]; then
    shorts=$log_shorts longs=$log_longs
  elif [[ $sub == top ]]; then
    shorts=$top_shorts longs=$top_longs
  elif [[ $sub == baseline ]]; then
    shorts=$baseline_shorts longs=$baseline_longs
  elif [[ $sub == check ]]; then
    shorts=$check_shorts longs=$check_longs
  elif [[ $sub == metrics ]]; then
    shorts=$metrics_shorts longs=$metrics_longs
  fi

  # An option's argument: --opt=VALUE, or the word after -f/-A/-N/-D/-F.
  local opt=$prev val=$cur
  # bash splits "--family=in" at the "=" (COMP_WORDBREAKS) unless it does not.
  if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
    opt=${COMP_WORDS[COMP_CWORD-2]}
  elif [[ $cur == --*=* ]]; then
    opt=${cur%%=*}
    val=${cur#*=}
  fi
  case $opt in
    -f | --family)
      COMPREPLY=($(compgen -W "$families" -- "$val"))
      return
      ;;
    -A | --query | --socket)
      # A comma-separated list: complete the last element.
      local head=""
      [[ $val == *,* ]] && head=${val%,*},
      COMPREPLY=($(compgen -P "$head" -W "$queries" -- "${val##*,}"))
      return
      ;;
    -N | --net)
      COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$val"))
      return
      ;;
    -D | --diag | -F | --filter | --replay | --record | --db | --rules | --rules-add)
      COMPREPLY=($(compgen -f -- "$val"))
      return
      ;;
    -o | --output)
      if [[ $sub == log ]]; then
        COMPREPLY=($(compgen -f -- "$val"))
        return
      fi
      ;;
    --rotate-size)
      COMPREPLY=($(compgen -W "0 10M 100M 1G" -- "$val"))
      return
      ;;
    --rotate-keep | --interval | --health-interval | --delay | --linger | --iterations | \
      --width | --search | --listen | --check-interval | --top-peers | --max-listeners)
      return
      ;;
    --textfile)
      COMPREPLY=($(compgen -d -- "$val"))
      return
      ;;
    -d | -n)
      [[ $sub == top ]] && return
      ;;
    --min-severity)
      COMPREPLY=($(compgen -W "info low medium high critical" -- "$val"))
      return
      ;;
    --baseline)
      return
      ;;
    --view)
      COMPREPLY=($(compgen -W "connections listeners processes remotes" -- "$val"))
      return
      ;;
    --sort)
      COMPREPLY=($(compgen -W "rx/s tx/s rx tx local remote process user state proto age rtt retr" -- "$val"))
      return
      ;;
    state | exclude | excl)
      COMPREPLY=($(compgen -W "$states" -- "$cur"))
      return
      ;;
    dev)
      COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
      return
      ;;
  esac

  case $cur in
    --*) COMPREPLY=($(compgen -W "$longs" -- "$cur")) ;;
    -*) COMPREPLY=($(compgen -W "$shorts" -- "$cur")) ;;
    *)
      if [[ $sub == check ]]; then
        :  # options only
      elif [[ $sub == baseline ]]; then
        # The action, then a saved baseline's name (not listed: the database may need root).
        [[ $prev == baseline ]] && COMPREPLY=($(compgen -W "$baseline_actions" -- "$cur"))
      elif [[ $sub == metrics ]]; then
        :  # no operands
      elif [[ -n $sub ]]; then
        COMPREPLY=($(compgen -W "$keywords" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$subcommands $keywords" -- "$cur"))
      fi
      ;;
  esac
  [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
  return 0
}
complete -F _sockwatch sockwatch
