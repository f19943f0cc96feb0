package sweep

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// probe is appended to a copy of the index page: once everything has
// loaded it writes into the page how many images failed to load and every
// script error or console error, so that headless Chromium's dumped DOM
// carries the verdict.
const probe = `<script>
var errs = [];
window.addEventListener("error", function (e) { errs.push(String(e.message || e.target && e.target.src)); }, true);
var origError = console.error;
console.error = function () { errs.push(Array.prototype.join.call(arguments, " ")); origError.apply(console, arguments); };
window.addEventListener("load", function () {
  var broken = 0, n = 0;
  for (var i = 0; i < document.images.length; i++) {
    n++;
    var im = document.images[i];
    if (!im.complete || im.naturalWidth === 0) { broken++; }
  }
  var pre = document.createElement("pre");
  pre.id = "ccbench-check";
  pre.textContent = "images=" + n + " broken=" + broken + " errors=" + errs.length + " " + errs.join(" | ");
  document.body.appendChild(pre);
});
</script>`

// TestIndexPageInHeadlessChromium opens a sweep's index.html in headless
// Chromium: every image must load and no error may appear.
func TestIndexPageInHeadlessChromium(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no Chromium installed: the browser check of the report is skipped")
	}
	sw := loadSmallSweep(t)
	out := t.TempDir()
	res, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(res.Index)
	if err != nil {
		t.Fatal(err)
	}
	checked := filepath.Join(filepath.Dir(res.Index), "index-check.html")
	html := strings.Replace(string(page), "</body>", probe+"</body>", 1)
	if err := os.WriteFile(checked, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000",
		"--dump-dom", "file://"+checked)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`images=(\d+) broken=(\d+) errors=(\d+)([^<]*)`).FindStringSubmatch(string(dom))
	if m == nil {
		t.Fatalf("the page's check did not run; dumped DOM:\n%.2000s", dom)
	}
	t.Logf("images %s, broken %s, errors %s", m[1], m[2], m[3])
	if m[1] == "0" || m[2] != "0" || m[3] != "0" {
		t.Fatalf("index.html in Chromium: %s images, %s broken, %s errors:%s", m[1], m[2], m[3], m[4])
	}
}
