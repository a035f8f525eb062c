package ssh

import (
	"encoding/hex"
	"fmt"
	"net"
	"path"
	"sort"
	"strconv"
	"strings"
)

// parseSystemd reads the systemd command's output: the services and timers
// that are enabled or not inactive, by unit name without its suffix, each
// with its unit file state ("enabled", "static", …) and its active state
// ("active", "failed", …). running is false when systemd is not the init
// system (the maps are then nil: unknown, not empty).
func parseSystemd(data []byte) (services, timers map[string]any, running bool, err error) {
	text := string(data)
	first, rest, _ := strings.Cut(text, "\n")
	switch strings.TrimSpace(first) {
	case "none":
		return nil, nil, false, nil
	case "systemd":
	default:
		return nil, nil, false, fmt.Errorf("systemd: unexpected output %q", firstLines(text, 1))
	}
	unitFiles, units, ok := strings.Cut(rest, "@@units\n")
	if !ok {
		return nil, nil, false, fmt.Errorf("systemd: truncated output")
	}
	enabled := map[string]string{}
	for _, line := range strings.Split(unitFiles, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.Contains(f[0], "@.") {
			continue // templates are stated through their instances
		}
		enabled[f[0]] = f[1]
	}
	active := map[string]string{}
	for _, line := range strings.Split(units, "\n") {
		f := strings.Fields(strings.TrimLeft(line, "●* "))
		if len(f) < 3 || f[1] == "not-found" {
			continue
		}
		active[f[0]] = f[2]
	}
	services, timers = map[string]any{}, map[string]any{}
	names := map[string]bool{}
	for n := range enabled {
		names[n] = true
	}
	for n := range active {
		names[n] = true
	}
	for n := range names {
		st, act := enabled[n], active[n]
		if act == "" {
			act = "inactive"
		}
		if !strings.HasPrefix(st, "enabled") && (act == "inactive" || act == "") {
			continue // neither enabled nor running: part of the OS's catalogue, not of the server's role
		}
		if perSession(n) {
			continue
		}
		v := map[string]any{"active": act}
		if st != "" {
			v["enabled"] = st
		}
		switch {
		case strings.HasSuffix(n, ".service"):
			services[strings.TrimSuffix(n, ".service")] = v
		case strings.HasSuffix(n, ".timer"):
			timers[strings.TrimSuffix(n, ".timer")] = v
		}
	}
	return services, timers, true, nil
}

// perSession reports units that exist because someone is logged in (our
// own SSH session among them).
func perSession(unit string) bool {
	for _, p := range []string{"user@", "user-runtime-dir@", "session-"} {
		if strings.HasPrefix(unit, p) {
			return true
		}
	}
	return false
}

// process is one line of the processes command.
type process struct {
	pid, ppid int
	args      string
}

// parseProcesses reads "pid ppid args" lines; kernel threads (no arguments,
// or ps's "[name]") are left out.
func parseProcesses(data []byte) []process {
	var out []process
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ppid, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		args := strings.Join(f[2:], " ")
		if strings.HasPrefix(args, "[") && strings.HasSuffix(args, "]") {
			continue
		}
		out = append(out, process{pid: pid, ppid: ppid, args: args})
	}
	return out
}

// interpreters run the program named by their first non-option argument.
var interpreters = map[string]bool{
	"ruby": true, "python": true, "python2": true, "python3": true, "node": true, "nodejs": true,
	"perl": true, "php": true, "java": true, "sh": true, "bash": true, "dash": true,
	"bundle": true, "exec": true, "env": true, "nohup": true, "setsid": true, "rbenv": true, "npx": true,
}

var scriptExtensions = []string{".rb", ".py", ".js", ".mjs", ".cjs", ".jar", ".pl", ".php", ".sh"}

// programName returns what a process runs as: the first word of its
// command line (its process title) and, when that is an interpreter or a
// launcher (ruby, python3.11, java, bundle exec, env), the first word after
// it that is neither an option nor another launcher, without directory or
// script extension. "ruby /srv/app/bin/clockwork clock.rb" runs clockwork;
// "java -jar /opt/scheduler.jar" runs scheduler.
func programName(args string) (title, program string) {
	words := strings.Fields(args)
	if len(words) == 0 {
		return "", ""
	}
	title = words[0]
	base := path.Base(title)
	if !isInterpreter(base) {
		return title, ""
	}
	for _, w := range words[1:] {
		if strings.HasPrefix(w, "-") || strings.Contains(w, "=") || isInterpreter(path.Base(w)) {
			continue
		}
		p := path.Base(w)
		for _, ext := range scriptExtensions {
			p = strings.TrimSuffix(p, ext)
		}
		return title, p
	}
	return title, ""
}

func isInterpreter(base string) bool {
	if interpreters[base] {
		return true
	}
	// python3.11, ruby3.1, php8.2
	for _, p := range []string{"python", "ruby", "php", "perl", "node"} {
		if strings.HasPrefix(base, p) && strings.Trim(base[len(p):], "0123456789.") == "" {
			return true
		}
	}
	return false
}

// matchesProgram reports whether a process runs the program name: its
// title's base name is the name, or starts with it followed by a version
// or a status (process titles such as "resque-scheduler-4.4.0[app]: …",
// "puma: cluster worker 0", "sidekiq 6.5 app [0 of 10 busy]"); or an
// interpreter runs a script of that name.
func matchesProgram(args, name string) bool {
	title, program := programName(args)
	if program == name {
		return true
	}
	base := path.Base(title)
	if base == name {
		return true
	}
	if !strings.HasPrefix(base, name) {
		return false
	}
	rest := base[len(name):]
	switch {
	case rest[0] == ':' || rest[0] == '[':
		return true
	case rest[0] == '-' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9':
		return true
	}
	return false
}

// countInstances counts the processes running name, not counting a
// process whose parent runs it too (a master's forked workers are one
// instance).
func countInstances(procs []process, name string) int {
	match := map[int]bool{}
	for _, p := range procs {
		if matchesProgram(p.args, name) {
			match[p.pid] = true
		}
	}
	n := 0
	for _, p := range procs {
		if match[p.pid] && !match[p.ppid] {
			n++
		}
	}
	return n
}

// ntpDaemons are the clock synchronisation daemons recognised by name.
var ntpDaemons = []string{"chronyd", "ntpd", "systemd-timesyncd", "openntpd", "timesyncd"}

// ntpClient names the clock synchronisation daemons running, or "none".
func ntpClient(procs []process) string {
	found := map[string]bool{}
	for _, p := range procs {
		for _, d := range ntpDaemons {
			if matchesProgram(p.args, d) {
				found[d] = true
			}
		}
	}
	if len(found) == 0 {
		return "none"
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// parseListening reads /proc/net/tcp and tcp6: the listening TCP ports as
// "tcp/<port>", each with where it listens: "all" (any address),
// "loopback", or "host" (a specific address).
func parseListening(data []byte) (map[string]any, error) {
	scopes := map[string]map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] == "sl" || f[3] != "0A" {
			continue
		}
		hostHex, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			return nil, fmt.Errorf("listening: unexpected line %q", line)
		}
		port, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil {
			return nil, fmt.Errorf("listening: unexpected port in %q", line)
		}
		ip, err := procNetIP(hostHex)
		if err != nil {
			return nil, fmt.Errorf("listening: %v in %q", err, line)
		}
		scope := "host"
		switch {
		case ip.IsUnspecified():
			scope = "all"
		case ip.IsLoopback():
			scope = "loopback"
		}
		key := "tcp/" + strconv.FormatUint(port, 10)
		if scopes[key] == nil {
			scopes[key] = map[string]bool{}
		}
		scopes[key][scope] = true
	}
	out := make(map[string]any, len(scopes))
	for k, s := range scopes {
		var names []string
		for n := range s {
			names = append(names, n)
		}
		sort.Strings(names)
		out[k] = strings.Join(names, ", ")
	}
	return out, nil
}

// procNetIP decodes an address of /proc/net/tcp{,6}: 32-bit words in host
// (little-endian) byte order.
func procNetIP(h string) (net.IP, error) {
	b, err := hex.DecodeString(h)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return nil, fmt.Errorf("bad address %q", h)
	}
	ip := make(net.IP, len(b))
	for i := 0; i < len(b); i += 4 {
		ip[i], ip[i+1], ip[i+2], ip[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	if v4 := ip.To4(); v4 != nil {
		return v4, nil
	}
	return ip, nil
}
