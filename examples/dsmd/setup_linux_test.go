package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/ipopt/linuxtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sh runs a shell script in namespace i.
func (n *testNet) sh(i int, script string) error {
	cmd := exec.Command("ip", "netns", "exec", n.names[i], "sh", "-e")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sh in %s: %v: %s", n.names[i], err, out)
	}
	return nil
}

var saveCounters = regexp.MustCompile(`\[\d+:\d+\]`)

// save is iptables-save in namespace i, without its comment lines and
// with the packet counters zeroed, so that two rulesets compare equal
// when their rules are.
func (n *testNet) save(i int) string {
	n.tb.Helper()
	out, err := exec.Command("ip", "netns", "exec", n.names[i], n.ipt+"-save").Output()
	require.NoError(n.tb, err, "%s-save", n.ipt)
	var b strings.Builder
	for l := range strings.Lines(string(out)) {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(saveCounters.ReplaceAllString(l, "[0:0]"))
		}
	}
	return b.String()
}

// hostRules stand for the host's own firewall, which dsmd's setup and
// teardown must leave as it was: rules in the same built-in chains dsmd
// jumps from, and in another table.
var hostRules = [][]string{
	{"-t", "mangle", "-A", "OUTPUT", "-p", "icmp", "-j", "MARK", "--set-mark", "5"},
	{"-t", "mangle", "-A", "PREROUTING", "-p", "udp", "--dport", "9", "-j", "ACCEPT"},
	{"-t", "mangle", "-A", "POSTROUTING", "-o", "lo", "-j", "ACCEPT"},
	{"-t", "filter", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"},
}

// queueRules are the NFQUEUE rules of an iptables-save output.
func queueRules(save string) []string {
	var r []string
	for l := range strings.Lines(save) {
		if strings.Contains(l, "-j NFQUEUE") {
			r = append(r, strings.TrimSpace(l))
		}
	}
	return r
}

// TestSetupIdempotent runs the --setup script twice and the --teardown
// script twice in a namespace that already has rules of its own: the
// second setup changes nothing, setup installs no queue rule without
// --queue-bypass (so nothing is dropped before dsmd binds), and teardown
// restores the exact earlier ruleset.
func TestSetupIdempotent(t *testing.T) {
	tests := []struct{ name, conf string }{
		{"fail-closed", "node 1\nqueue out 3\nqueue in 4\n"},
		{"fail-open on two devices", "node 1\noverload fail-open\ninterface dsmd-a lo\nserial 4\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNet(t)
			c := mustConfig(t, tc.conf)
			for _, r := range hostRules {
				require.NoError(t, n.iptables(0, r...))
			}
			before := n.save(0)

			n.installRules(0, c)
			once := n.save(0)
			for _, ch := range []string{":DSMD-OUT - ", ":DSMD-IN - ", ":DSMD-MSS - ",
				"-A OUTPUT -j DSMD-OUT\n", "-A PREROUTING -j DSMD-IN\n", "-A POSTROUTING -j DSMD-MSS\n"} {
				assert.Contains(t, once, ch)
			}
			for l := range strings.Lines(before) { // the host's rules are all still there
				assert.Contains(t, once, l)
			}
			q := queueRules(once)
			assert.Len(t, q, 2*max(len(c.Interfaces), 1))
			for _, l := range q {
				assert.Contains(t, l, "--queue-bypass", "queue rule without bypass before dsmd is bound")
			}

			n.installRules(0, c)
			assert.Equal(t, once, n.save(0), "a second setup changed the ruleset")

			for range 2 {
				require.NoError(t, n.sh(0, SetupScript(c, true, ScriptOptions{IPTables: n.ipt})))
				assert.Equal(t, before, n.save(0), "teardown did not restore the earlier ruleset")
			}
		})
	}
}

// TestSetupTranslateDOI runs the NetLabel part of the --setup and
// --teardown scripts of translate mode against the kernel (NetLabel
// answers in the initial namespace only, so this part runs there, on a
// DOI that is free on the host): a DOI setup added is deleted by teardown;
// a DOI that was configured before setup is left alone by both.
func TestSetupTranslateDOI(t *testing.T) {
	nl := linuxtest.ForTest(t) // skips without root and NetLabel
	if _, err := exec.LookPath("netlabelctl"); err != nil {
		t.Skip("dsmd setup: the NetLabel script runs netlabelctl: needs netlabelctl (Debian package netlabel-tools)")
	}
	doi, err := nl.FreeDOI(7353)
	require.NoError(t, err)
	c := mustConfig(t, fmt.Sprintf("node 1\nneutralise translate doi %d\n", doi))
	state := filepath.Join(t.TempDir(), "state")
	has := func() bool {
		return exec.Command("netlabelctl", "cipsov4", "list", fmt.Sprintf("doi:%d", doi)).Run() == nil
	}
	run := func(teardown bool) {
		t.Helper()
		out, err := exec.Command("sh", "-ec", netlabelScript(c, teardown, state)).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	require.False(t, has())

	t.Run("added by setup", func(t *testing.T) {
		// The DOI is this test's from here on: delete it whatever happens.
		t.Cleanup(func() {
			if has() {
				_ = exec.Command("netlabelctl", "cipsov4", "del", fmt.Sprintf("doi:%d", doi)).Run()
			}
		})
		run(false)
		assert.True(t, has(), "setup did not add the DOI")
		run(false) // again: nothing changes
		assert.True(t, has())
		run(true)
		assert.False(t, has(), "teardown left the DOI setup added")
		run(true) // again: nothing to do, no error
		entries, err := os.ReadDir(state)
		require.NoError(t, err)
		assert.Empty(t, entries, "teardown left its record")
	})

	t.Run("state directory others can write", func(t *testing.T) {
		// The record is written as root: a directory another user could
		// plant a link in is refused before anything is added.
		open := filepath.Join(t.TempDir(), "open")
		require.NoError(t, os.Mkdir(open, 0o777))
		require.NoError(t, os.Chmod(open, 0o777))
		out, err := exec.Command("sh", "-ec", netlabelScript(c, false, open)).CombinedOutput()
		require.Error(t, err)
		assert.Contains(t, string(out), "no one else can write")
		assert.False(t, has(), "the DOI was added although the state directory was refused")
		entries, err := os.ReadDir(open)
		require.NoError(t, err)
		assert.Empty(t, entries)
	})

	t.Run("configured before setup", func(t *testing.T) {
		// linuxtest journals this DOI and deletes it at the end.
		require.NoError(t, nl.ConfigureNetLabel(fmt.Sprintf("cipsov4 add pass doi:%d tags:1", doi)))
		run(false)
		run(true)
		assert.True(t, has(), "teardown deleted a DOI that setup did not add")
	})
}
