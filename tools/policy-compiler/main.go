// policy-compiler compiles the gateway's Rego policies to a wasm module with OPA's own compiler,
// and runs their Rego unit tests with OPA's own test runner. No OPA binary exists on npm or Debian,
// so this small program is how real OPA reaches the project (docs/decisions/007).
//
//	policy-compiler build   -src resources/policies -out .data/policy
//	policy-compiler test    -src resources/policies
//	policy-compiler version -src resources/policies
//
// The version is "<manifest.json version>+<first 12 hex of the sources' sha256>", so the same
// sources always give the same version. backend/src/gateway/policy/policy-sources.ts computes the
// same hash to tell whether a built bundle is stale; keep the two in step.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	opaversion "github.com/open-policy-agent/opa/v1/version"
)

type manifest struct {
	Version    string `json:"version"`
	Entrypoint string `json:"entrypoint"`
	// Further rules compiled into the same wasm module (the access policy beside the gateway's).
	Entrypoints []string `json:"entrypoints"`
}

// entrypoints is the main entrypoint first, then the others, each once.
func (m manifest) entrypoints() []string {
	out := []string{m.Entrypoint}
	for _, e := range m.Entrypoints {
		if e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// sources are the files that make up the policy; tests are kept apart because they do not change
// what the policy decides, so they neither enter the bundle nor the version.
type sources struct {
	dir      string
	manifest manifest
	policies []string // relative slash paths of *.rego except *_test.rego
	tests    []string // relative slash paths of *_test.rego
	data     map[string]any
	hash     string
}

func (s *sources) version() string { return s.manifest.Version + "+" + s.hash[:12] }

func readSources(dir string) (*sources, error) {
	s := &sources{dir: dir}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &s.manifest); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if s.manifest.Version == "" || s.manifest.Entrypoint == "" {
		return nil, errors.New("manifest.json needs both \"version\" and \"entrypoint\"")
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(rel, "_test.rego") {
			s.tests = append(s.tests, rel)
		} else {
			s.policies = append(s.policies, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(s.policies) == 0 {
		return nil, fmt.Errorf("no .rego policy in %s", dir)
	}
	dataRaw, err := os.ReadFile(filepath.Join(dir, "data.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(dataRaw, &s.data); err != nil {
		return nil, fmt.Errorf("data.json: %w", err)
	}
	hashed := append([]string{"data.json", "manifest.json"}, s.policies...)
	sort.Strings(hashed)
	h := sha256.New()
	for _, rel := range hashed {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%s\n%d\n", rel, len(b))
		h.Write(b)
	}
	s.hash = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

func parseModules(s *sources, files []string) ([]bundle.ModuleFile, error) {
	out := make([]bundle.ModuleFile, 0, len(files))
	for _, rel := range files {
		raw, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		m, err := ast.ParseModuleWithOpts(rel, string(raw), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, err
		}
		out = append(out, bundle.ModuleFile{URL: rel, Path: rel, Raw: raw, Parsed: m})
	}
	return out, nil
}

type buildInfo struct {
	Version     string   `json:"version"`
	HumanVer    string   `json:"humanVersion"`
	SourceHash  string   `json:"sourceHash"`
	Entrypoint  string   `json:"entrypoint"`
	Entrypoints []string `json:"entrypoints"`
	OpaVersion  string   `json:"opaVersion"`
	Policy      string   `json:"policy"`
	Data        string   `json:"data"`
	Bundle      string   `json:"bundle"`
	WasmSha256  string   `json:"wasmSha256"`
	CompileMsec int64    `json:"compileMs"`
}

func build(ctx context.Context, s *sources, outDir string) (*buildInfo, error) {
	started := time.Now()
	mods, err := parseModules(s, s.policies)
	if err != nil {
		return nil, err
	}
	b := &bundle.Bundle{Data: s.data, Modules: mods}
	b.Manifest.Revision = s.version()
	b.Manifest.Init()
	var tarball bytes.Buffer
	c := compile.New().
		WithTarget(compile.TargetWasm).
		WithEntrypoints(s.manifest.entrypoints()...).
		WithRegoVersion(ast.RegoV1).
		WithRevision(s.version()).
		WithBundle(b).
		WithOutput(&tarball)
	if err := c.Build(ctx); err != nil {
		return nil, err
	}
	out := c.Bundle()
	if len(out.WasmModules) != 1 {
		return nil, fmt.Errorf("expected one wasm module, got %d", len(out.WasmModules))
	}
	wasm := out.WasmModules[0].Raw
	data, err := os.ReadFile(filepath.Join(s.dir, "data.json"))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(wasm)
	info := &buildInfo{
		Version: s.version(), HumanVer: s.manifest.Version, SourceHash: s.hash,
		Entrypoint: s.manifest.Entrypoint, Entrypoints: s.manifest.entrypoints(), OpaVersion: opaversion.Version,
		Policy: "policy.wasm", Data: "data.json", Bundle: "bundle.tar.gz",
		WasmSha256: hex.EncodeToString(sum[:]), CompileMsec: time.Since(started).Milliseconds(),
	}
	infoJSON, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	// build.json goes last: a reader that finds it with the right hash finds the files it names.
	for _, f := range []struct {
		name string
		body []byte
	}{{"policy.wasm", wasm}, {"data.json", data}, {"bundle.tar.gz", tarball.Bytes()}, {"build.json", append(infoJSON, '\n')}} {
		if err := writeAtomic(filepath.Join(outDir, f.name), f.body); err != nil {
			return nil, err
		}
	}
	return info, nil
}

func writeAtomic(path string, body []byte) error {
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func runTests(ctx context.Context, s *sources) (passed, failed int, err error) {
	all, err := parseModules(s, append(append([]string{}, s.policies...), s.tests...))
	if err != nil {
		return 0, 0, err
	}
	modules := make(map[string]*ast.Module, len(all))
	for _, m := range all {
		modules[m.Path] = m.Parsed
	}
	ch, err := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		SetStore(inmem.NewFromObject(s.data)).
		SetModules(modules).
		RaiseBuiltinErrors(true).
		CapturePrintOutput(true).
		RunTests(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	for r := range ch {
		switch {
		case r.Pass():
			passed++
			fmt.Printf("PASS %s.%s\n", r.Package, r.Name)
		case r.Skip:
			fmt.Printf("SKIP %s.%s\n", r.Package, r.Name)
		default:
			failed++
			detail := ""
			if r.Error != nil {
				detail = ": " + r.Error.Error()
			} else if r.FailedAt != nil {
				detail = ": failed at " + r.FailedAt.String()
			}
			fmt.Printf("FAIL %s.%s%s\n", r.Package, r.Name, detail)
			if len(r.Output) > 0 {
				fmt.Printf("%s", r.Output)
			}
		}
	}
	return passed, failed, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: policy-compiler build|test|version -src <dir> [-out <dir>]")
		os.Exit(2)
	}
	cmd := os.Args[1]
	fset := flag.NewFlagSet(cmd, flag.ExitOnError)
	src := fset.String("src", "resources/policies", "folder with the .rego files, data.json and manifest.json")
	out := fset.String("out", ".data/policy", "folder the wasm build is written to (build)")
	_ = fset.Parse(os.Args[2:])
	ctx := context.Background()
	s, err := readSources(*src)
	if err != nil {
		fail(err)
	}
	switch cmd {
	case "version":
		fmt.Println(s.version())
	case "build":
		info, err := build(ctx, s, *out)
		if err != nil {
			fail(err)
		}
		line, _ := json.Marshal(info)
		fmt.Println(string(line))
	case "test":
		passed, failed, err := runTests(ctx, s)
		if err != nil {
			fail(err)
		}
		fmt.Printf("%d passed, %d failed\n", passed, failed)
		if failed > 0 || passed == 0 {
			os.Exit(1)
		}
	default:
		fail(fmt.Errorf("unknown command %q", cmd))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "policy-compiler:", err)
	os.Exit(1)
}
