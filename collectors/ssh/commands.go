package ssh

// The fixed commands this source runs on every host, each as
// `sh -c '<script>' envparity <arguments>`. They only read: files under
// /etc, /proc and /var/lib/dpkg, and the output of uname, rpm -qa,
// systemctl list-*, crontab -l, ps, date and timedatectl show. The only
// values from the config are arguments (crontab user names, sysctl keys,
// file paths and globs), validated in New and single-quoted; a random
// boundary (also an argument) separates file contents. No script contains a
// single quote, so the command line reads the same in any login shell.
// docs/sources/ssh.md lists them verbatim; TestDocListsCommands keeps the
// two in step.

// Command is one fixed command: its name (used in errors) and its script.
type Command struct {
	Name   string
	Script string
	// Args describes the arguments the script takes, for the docs.
	Args string
}

// Commands lists every command, in the order they run.
var Commands = []Command{
	{Name: "os-release", Script: scriptOSRelease},
	{Name: "uname", Script: scriptUname},
	{Name: "packages", Script: scriptPackages},
	{Name: "systemd", Script: scriptSystemd},
	{Name: "cron", Script: scriptCron, Args: "a random boundary"},
	{Name: "crontab", Script: scriptCrontab, Args: "one user of crontab_users"},
	{Name: "processes", Script: scriptProcesses},
	{Name: "listening", Script: scriptListening},
	{Name: "sysctl", Script: scriptSysctl, Args: "the sysctl keys"},
	{Name: "limits", Script: scriptLimits},
	{Name: "time", Script: scriptTime},
	{Name: "files", Script: scriptFiles, Args: "a random boundary, the size limit, the paths and globs of files"},
}

const (
	scriptOSRelease = `cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release`

	scriptUname = `uname -r; uname -m`

	// The package database: dpkg's status file where there is one, rpm's
	// query otherwise.
	scriptPackages = `if [ -r /var/lib/dpkg/status ]; then echo dpkg; exec cat /var/lib/dpkg/status; ` +
		`elif command -v rpm >/dev/null 2>&1; then echo rpm; exec rpm -qa --qf "%{NAME}\t%{EPOCHNUM}\t%{VERSION}-%{RELEASE}\t%{ARCH}\n"; ` +
		`else echo none; fi`

	// Unit files (enablement) and units (activity) of services and timers,
	// when systemd runs.
	scriptSystemd = `if [ -d /run/systemd/system ]; then echo systemd; ` +
		`systemctl list-unit-files --type=service,timer --no-legend --no-pager || exit; echo @@units; ` +
		`exec systemctl list-units --type=service,timer --all --no-legend --no-pager --plain; ` +
		`else echo none; fi`

	// /etc/crontab and /etc/cron.d/* (contents, between boundaries carrying
	// cat's status) and the executable scripts of /etc/cron.{hourly,...}.
	scriptCron = `b=$1; for f in /etc/crontab /etc/cron.d/*; do [ -f "$f" ] || continue; ` +
		`printf "@@%s file %s\n" "$b" "$f"; cat -- "$f"; printf "\n@@%s end %s\n" "$b" "$?"; done; ` +
		`for d in hourly daily weekly monthly; do for f in /etc/cron.$d/*; do ` +
		`if [ -f "$f" ] && [ -x "$f" ]; then printf "@@%s script %s %s\n" "$b" "$d" "$f"; fi; done; done`

	// One user's crontab: crontab -l for the login user, crontab -u for
	// others (which needs root; no sudo is used).
	scriptCrontab = `if [ "$(id -un)" = "$1" ]; then exec crontab -l; else exec crontab -u "$1" -l; fi`

	// Processes as "pid ppid args": ps where it exists, /proc otherwise.
	scriptProcesses = `if command -v ps >/dev/null 2>&1; then exec ps -A -o pid= -o ppid= -o args=; fi; ` +
		`cd /proc || exit; for p in [0-9]*; do s=$(cat "$p/stat" 2>/dev/null) || continue; ` +
		`a=$(tr "\000" " " < "$p/cmdline" 2>/dev/null) || continue; s=${s##*) }; set -- $s; ` +
		`printf "%s %s %s\n" "$p" "$2" "$a"; done`

	scriptListening = `cat /proc/net/tcp || exit; if [ -r /proc/net/tcp6 ]; then cat /proc/net/tcp6; fi`

	// The first line of /proc/sys/<key with dots as slashes>, for each key
	// that exists.
	scriptSysctl = `for k in "$@"; do p=/proc/sys/$(printf "%s" "$k" | tr . /); ` +
		`if [ -r "$p" ]; then printf "%s=" "$k"; head -n 1 "$p"; fi; done`

	scriptLimits = `ulimit -S -n; ulimit -H -n`

	scriptTime = `printf "localtime=%s\n" "$(readlink /etc/localtime 2>/dev/null)"; ` +
		`printf "timezone=%s\n" "$(cat /etc/timezone 2>/dev/null)"; ` +
		`printf "date=%s\n" "$(date +%Z%z)"; ` +
		`if [ -d /run/systemd/system ] && command -v timedatectl >/dev/null 2>&1; then ` +
		`printf "ntp_synchronized=%s\n" "$(timedatectl show -p NTPSynchronized --value 2>/dev/null)"; fi`

	// Each path or glob (expanded by the remote shell, unquoted, so that
	// only pathname expansion applies to it) and the first bytes of every
	// regular file it matches, between boundaries carrying head's status.
	scriptFiles = `b=$1; max=$2; shift 2; for p in "$@"; do printf "@@%s pattern %s\n" "$b" "$p"; ` +
		`for f in $p; do [ -f "$f" ] || continue; printf "@@%s file %s\n" "$b" "$f"; ` +
		`head -c "$max" -- "$f"; printf "\n@@%s end %s\n" "$b" "$?"; done; done`
)

// defaultSysctl are the kernel settings read from every host: TCP
// keepalive (how long dead peers, such as database connections behind a
// firewall that dropped them, linger), accept queues, descriptor limits and
// the memory settings servers are tuned with.
var defaultSysctl = []string{
	"fs.file-max",
	"fs.nr_open",
	"net.core.netdev_max_backlog",
	"net.core.somaxconn",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_max_syn_backlog",
	"net.ipv4.tcp_tw_reuse",
	"vm.max_map_count",
	"vm.overcommit_memory",
	"vm.swappiness",
}
