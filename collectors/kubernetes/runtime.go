package kubernetes

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/envparity/envparity/snapshot"
)

// restartWindow is how recent a container's last restart must be for it to
// count as restarting: an old restart after a node drain is history, not a
// crash loop.
const restartWindow = time.Hour

// podIndex groups pods by the workload that owns them ("Kind/ns/name").
type podIndex struct {
	byOwner map[string][]*unstructured.Unstructured
}

// indexPods finds each pod's workload through its owner: a StatefulSet or
// DaemonSet directly, a Deployment through its ReplicaSet, whose name is the
// Deployment's name and the pod-template-hash the pod is labelled with (so
// ReplicaSets need not be listed).
func indexPods(pods []unstructured.Unstructured) *podIndex {
	idx := &podIndex{byOwner: map[string][]*unstructured.Unstructured{}}
	for i := range pods {
		p := &pods[i]
		for _, o := range p.GetOwnerReferences() {
			if o.Controller == nil || !*o.Controller {
				continue
			}
			kind, name := o.Kind, o.Name
			if kind == "ReplicaSet" {
				hash := p.GetLabels()["pod-template-hash"]
				if hash == "" || !strings.HasSuffix(name, "-"+hash) {
					continue // a bare ReplicaSet
				}
				kind, name = "Deployment", strings.TrimSuffix(name, "-"+hash)
			}
			key := kind + "/" + p.GetNamespace() + "/" + name
			idx.byOwner[key] = append(idx.byOwner[key], p)
		}
	}
	return idx
}

// runtimeFacts states what only a running workload shows, under
// `runtime`: desired_replicas, ready_replicas, ready (all desired replicas
// ready); and, when pods were listed, per container the image digests that
// run (image_digests), whether every pod runs the template's image
// (template_image_running) and restart counts, plus the containers that
// are crash-looping or restarted within the last hour
// (restarting_containers). Nil for kinds without runtime.
func runtimeFacts(u *unstructured.Unstructured, status map[string]any, attrs map[string]any, pods *podIndex, now time.Time) map[string]any {
	var desired, ready int64
	switch u.GetKind() {
	case "Deployment", "StatefulSet":
		desired = 1
		if r, ok, _ := unstructured.NestedInt64(u.Object, "spec", "replicas"); ok {
			desired = r
		}
		ready, _, _ = unstructured.NestedInt64(status, "readyReplicas")
	case "DaemonSet":
		desired, _, _ = unstructured.NestedInt64(status, "desiredNumberScheduled")
		ready, _, _ = unstructured.NestedInt64(status, "numberReady")
	default:
		return nil
	}
	rt := map[string]any{"desired_replicas": desired, "ready_replicas": ready, "ready": ready >= desired}
	if pods == nil {
		return rt
	}
	owned := pods.byOwner[u.GetKind()+"/"+u.GetNamespace()+"/"+u.GetName()]
	templates := map[string]string{}
	if cs, ok := attrs["containers"].(map[string]any); ok {
		for name, c := range cs {
			if f, ok := c.(map[string]any); ok {
				templates[name], _ = f["image"].(string)
			}
		}
	}
	type seen struct {
		digests  set
		restarts int64
		mismatch bool
		pods     int
	}
	per := map[string]*seen{}
	restarting := set{}
	for _, p := range owned {
		statuses, _, _ := unstructured.NestedSlice(p.Object, "status", "containerStatuses")
		for _, s := range statuses {
			cs, ok := s.(map[string]any)
			if !ok {
				continue
			}
			name, _ := cs["name"].(string)
			if _, isTemplate := templates[name]; !isTemplate {
				continue
			}
			e := per[name]
			if e == nil {
				e = &seen{digests: set{}}
				per[name] = e
			}
			e.pods++
			imageID, _ := cs["imageID"].(string)
			if d := digestOf(imageID); d != "" {
				e.digests.add(d)
			}
			image, _ := cs["image"].(string)
			if !sameImage(templates[name], image, imageID) {
				e.mismatch = true
			}
			n, _, _ := unstructured.NestedInt64(cs, "restartCount")
			e.restarts += n
			if reason, _, _ := unstructured.NestedString(cs, "state", "waiting", "reason"); reason == "CrashLoopBackOff" {
				restarting.add(name)
			}
			if finished, ok, _ := unstructured.NestedString(cs, "lastState", "terminated", "finishedAt"); ok && n > 0 {
				if t, err := time.Parse(time.RFC3339, finished); err == nil && now.Sub(t) < restartWindow {
					restarting.add(name)
				}
			}
		}
	}
	containers := map[string]any{}
	for name, e := range per {
		containers[name] = map[string]any{
			"image_digests":          e.digests.list(),
			"template_image_running": !e.mismatch,
			"restarts":               e.restarts,
		}
	}
	rt["pods"] = int64(len(owned))
	rt["containers"] = containers
	rt["restarting_containers"] = restarting.list()
	return rt
}

// digestOf returns the sha256 digest of a container status' imageID
// ("docker-pullable://repo@sha256:…", "repo@sha256:…", "sha256:…").
func digestOf(imageID string) string {
	i := strings.LastIndex(imageID, "sha256:")
	if i < 0 {
		return ""
	}
	return imageID[i:]
}

// sameImage reports whether a pod runs the image its template names. The
// runtime reports references in full (docker.io/library/nginx:1.25 for
// nginx:1.25); a digest in the template must be the one running.
func sameImage(template, image, imageID string) bool {
	if template == "" || image == "" {
		return true // nothing to compare
	}
	repo, tag, digest := SplitImage(normalizeImage(template))
	if digest != "" {
		return digestOf(imageID) == digest || strings.HasSuffix(image, digest)
	}
	rrepo, rtag, _ := SplitImage(normalizeImage(image))
	return repo == rrepo && (tag == rtag || rtag == "")
}

// normalizeImage expands the Docker Hub shorthands: nginx →
// docker.io/library/nginx, bitnami/redis → docker.io/bitnami/redis.
func normalizeImage(ref string) string {
	first, rest, hasSlash := strings.Cut(ref, "/")
	switch {
	case !hasSlash:
		return "docker.io/library/" + ref
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		return "docker.io/" + ref
	case first == "index.docker.io":
		return "docker.io/" + rest
	}
	return ref
}

// clusterResource states the API server's version: the cluster resource
// of type kubernetes.core.cluster, keyed "cluster".
func clusterResource(gitVersion, platform string) snapshot.Resource {
	v := strings.TrimPrefix(gitVersion, "v")
	a := map[string]any{"version": v}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		if n, err := strconv.Atoi(parts[0]); err == nil {
			a["major_version"] = int64(n)
		}
		minor := strings.TrimRight(parts[1], "+")
		if n, err := strconv.Atoi(minor); err == nil {
			a["minor_version"] = int64(n)
		}
	}
	if platform != "" {
		a["platform"] = platform
	}
	return snapshot.Resource{Type: "kubernetes.core.cluster", Name: "cluster", ID: "cluster", Key: "cluster", Attrs: a}
}

// poolLabels name a node's pool, in order of precedence (GKE, EKS managed
// node groups, Karpenter, AKS, common conventions).
var poolLabels = []string{
	"cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup", "karpenter.sh/nodepool",
	"kubernetes.azure.com/agentpool", "agentpool", "node.kubernetes.io/pool", "pool",
}

// transientTaints are set and cleared by the node lifecycle controller:
// conditions of the moment, not the pool's shape.
var transientTaints = []string{"node.kubernetes.io/", "node.cloudprovider.kubernetes.io/", "ToBeDeletedByClusterAutoscaler", "DeletionCandidateOfClusterAutoscaler"}

// nodePools summarises nodes per pool (kubernetes.core.nodepool): scale is a
// count (nodes, zones), shape is a fact (instance types, architectures,
// operating systems, kernel and kubelet versions, container runtimes,
// taints). Nodes without a pool label form "control-plane" or "default".
func nodePools(nodes []unstructured.Unstructured, strip func(string) string) []snapshot.Resource {
	type pool struct {
		nodes                                           int64
		types, archs, oses, kernels, kubelets, runtimes set
		taints, zones                                   set
	}
	pools := map[string]*pool{}
	for i := range nodes {
		n := &nodes[i]
		labels := n.GetLabels()
		name := ""
		for _, l := range poolLabels {
			if v := labels[l]; v != "" {
				name = v
				break
			}
		}
		if name == "" {
			name = "default"
			if _, ok := labels["node-role.kubernetes.io/control-plane"]; ok {
				name = "control-plane"
			}
		}
		p := pools[name]
		if p == nil {
			p = &pool{types: set{}, archs: set{}, oses: set{}, kernels: set{}, kubelets: set{}, runtimes: set{}, taints: set{}, zones: set{}}
			pools[name] = p
		}
		p.nodes++
		info, _, _ := unstructured.NestedStringMap(n.Object, "status", "nodeInfo")
		first := func(vals ...string) string {
			for _, v := range vals {
				if v != "" {
					return v
				}
			}
			return ""
		}
		addNonEmpty := func(s set, v string) {
			if v != "" {
				s.add(v)
			}
		}
		addNonEmpty(p.types, first(labels["node.kubernetes.io/instance-type"], labels["beta.kubernetes.io/instance-type"]))
		addNonEmpty(p.archs, first(info["architecture"], labels["kubernetes.io/arch"]))
		addNonEmpty(p.oses, first(info["operatingSystem"], labels["kubernetes.io/os"]))
		addNonEmpty(p.kernels, info["kernelVersion"])
		addNonEmpty(p.kubelets, strings.TrimPrefix(info["kubeletVersion"], "v"))
		addNonEmpty(p.runtimes, info["containerRuntimeVersion"])
		addNonEmpty(p.zones, first(labels["topology.kubernetes.io/zone"], labels["failure-domain.beta.kubernetes.io/zone"]))
		taints, _, _ := unstructured.NestedSlice(n.Object, "spec", "taints")
		for _, t := range taints {
			tm, ok := t.(map[string]any)
			if !ok {
				continue
			}
			key, _ := tm["key"].(string)
			if isTransientTaint(key) {
				continue
			}
			value, _ := tm["value"].(string)
			effect, _ := tm["effect"].(string)
			text := key
			if value != "" {
				text += "=" + value
			}
			p.taints.add(text + ":" + effect)
		}
	}
	var out []snapshot.Resource
	for name, p := range pools {
		kubelets := p.kubelets.list()
		a := map[string]any{
			"nodes": p.nodes, "instance_types": p.types.list(), "architectures": p.archs.list(),
			"operating_systems": p.oses.list(), "kernel_versions": p.kernels.list(),
			"kubelet_versions": kubelets, "container_runtimes": p.runtimes.list(),
			"taints": p.taints.list(), "zones": int64(len(p.zones)),
		}
		if len(kubelets) > 0 {
			a["kubelet_version"] = oldestVersion(kubelets)
		}
		out = append(out, snapshot.Resource{Type: "kubernetes.core.nodepool", Name: name, ID: "nodepool/" + name, Key: strip(name), Attrs: a})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func isTransientTaint(key string) bool {
	for _, t := range transientTaints {
		if strings.HasPrefix(key, t) {
			return true
		}
	}
	return false
}

// oldestVersion returns the lowest of dotted versions ("1.33.2" before
// "1.34.0"): a pool mid-upgrade is as old as its oldest node.
func oldestVersion(vs []string) string {
	best := vs[0]
	for _, v := range vs[1:] {
		if versionLess(v, best) {
			best = v
		}
	}
	return best
}

func versionLess(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func versionParts(v string) []int {
	var out []int
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		out = append(out, n)
		if len(out) == 3 {
			break
		}
	}
	return out
}
