package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Shard is the part of a source that one snapshot holds, when the source
// was collected in parts (envparity snapshot --account/--region), so that
// collection can fan out over CI jobs. An empty list means every account,
// or every region, of the source.
type Shard struct {
	Accounts []string `json:"accounts,omitempty"`
	Regions  []string `json:"regions,omitempty"`
}

// String renders the shard as "account 1111, region eu-west-1" ("the whole
// source" for nil).
func (s *Shard) String() string {
	if s == nil || len(s.Accounts) == 0 && len(s.Regions) == 0 {
		return "the whole source"
	}
	var parts []string
	if len(s.Accounts) > 0 {
		parts = append(parts, plural("account", len(s.Accounts))+" "+strings.Join(s.Accounts, ", "))
	}
	if len(s.Regions) > 0 {
		parts = append(parts, plural("region", len(s.Regions))+" "+strings.Join(s.Regions, ", "))
	}
	return strings.Join(parts, "; ")
}

func plural(w string, n int) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

// Overlaps reports whether two shards of the same source can hold the same
// facts: nil, or an empty list, covers everything in its dimension.
func (s *Shard) Overlaps(o *Shard) bool {
	var sa, sr, oa, or []string
	if s != nil {
		sa, sr = s.Accounts, s.Regions
	}
	if o != nil {
		oa, or = o.Accounts, o.Regions
	}
	return intersect(sa, oa) && intersect(sr, or)
}

func intersect(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// Part is one snapshot document of an environment collected in parts, and
// the file it was read from (for messages).
type Part struct {
	File     string
	Snapshot *Snapshot
}

// ErrOverlap matches the errors Merge returns for parts that overlap.
var ErrOverlap = errors.New("overlapping snapshot shards")

type overlapError struct{ msg string }

func (e *overlapError) Error() string        { return e.msg }
func (e *overlapError) Is(target error) bool { return target == ErrOverlap }

// Merge combines the snapshots of one environment collected in parts (one
// per account, region or set of sources) into one, as if it had been
// collected at once. The parts must be of the same environment and schema.
// It refuses parts that overlap: the same source in two parts whose shards
// intersect (the same source, account and region), or the same resource
// (source, type, name and id) in two parts. Statuses of the same source
// are combined: ok only if every part was, resources summed, errors
// joined, the longest duration; the combined status records no shard. The
// snapshot is as old as its oldest part. Parts are not modified.
func Merge(parts []Part) (*Snapshot, error) {
	if len(parts) == 0 {
		return nil, errors.New("merge: no snapshots")
	}
	first := parts[0]
	if len(parts) == 1 {
		return first.Snapshot, nil
	}
	out := &Snapshot{Schema: first.Snapshot.Schema, Environment: first.Snapshot.Environment, RedactionKeyID: first.Snapshot.RedactionKeyID}
	type seenStatus struct {
		part   int
		status SourceStatus
	}
	statuses := map[string][]seenStatus{}
	var order []string
	total := 0
	for i, p := range parts {
		s := p.Snapshot
		switch {
		case s.Environment != out.Environment:
			return nil, fmt.Errorf("%s is a snapshot of %q, %s of %q: only snapshots of one environment merge", p.File, s.Environment, first.File, out.Environment)
		case s.Schema != out.Schema:
			return nil, fmt.Errorf("%s has schema %d, %s schema %d", p.File, s.Schema, first.File, out.Schema)
		}
		if s.RedactionKeyID != out.RedactionKeyID {
			out.RedactionKeyID = "" // each source's status names its key
		}
		if out.CollectedAt.IsZero() || !s.CollectedAt.IsZero() && s.CollectedAt.Before(out.CollectedAt) {
			out.CollectedAt = s.CollectedAt
		}
		for _, st := range s.Sources {
			for _, prev := range statuses[st.Name] {
				if prev.status.Kind != st.Kind {
					return nil, fmt.Errorf("source %s is of kind %s in %s but %s in %s", st.Name, prev.status.Kind, parts[prev.part].File, st.Kind, p.File)
				}
				if prev.part == i {
					return nil, fmt.Errorf("%s: source %s is listed twice", p.File, st.Name)
				}
				if prev.status.Shard.Overlaps(st.Shard) {
					return nil, &overlapError{fmt.Sprintf("%s: %s and %s overlap: both hold source %s (%s in %s; %s in %s); collect each account and region of a source in one part only",
						out.Environment, parts[prev.part].File, p.File, st.Name, prev.status.Shard, parts[prev.part].File, st.Shard, p.File)}
				}
			}
			if len(statuses[st.Name]) == 0 {
				order = append(order, st.Name)
			}
			statuses[st.Name] = append(statuses[st.Name], seenStatus{i, st})
		}
		total += len(s.Resources)
	}
	for _, name := range order {
		list := statuses[name]
		st := list[0].status
		st.Shard = nil
		var errs []string
		for j, x := range list {
			if j > 0 {
				st.OK = st.OK && x.status.OK
				st.Resources += x.status.Resources
				st.DurationMS = max(st.DurationMS, x.status.DurationMS)
				if st.RedactionKeyID == "" {
					st.RedactionKeyID = x.status.RedactionKeyID
				}
			}
			if x.status.Error != "" {
				errs = append(errs, x.status.Error)
			}
		}
		st.Error = strings.Join(errs, "; ")
		out.Sources = append(out.Sources, st)
	}
	// The same resource in two parts means the shards overlap in a way
	// their statuses did not say (an account named by id in one part and
	// by label in another, a source renamed).
	type identity struct{ source, typ, name, id string }
	owner := make(map[identity]int, total)
	out.Resources = make([]Resource, 0, total)
	for i, p := range parts {
		for _, r := range p.Snapshot.Resources {
			k := identity{r.Source, r.Type, r.Name, r.ID}
			if j, dup := owner[k]; dup && j != i {
				return nil, &overlapError{fmt.Sprintf("%s: %s and %s overlap: both hold %s %q (source %s); collect each account and region of a source in one part only",
					out.Environment, parts[j].File, p.File, r.Type, r.Name, r.Source)}
			}
			owner[k] = i
			out.Resources = append(out.Resources, r)
		}
	}
	out.Sort()
	return out, nil
}
