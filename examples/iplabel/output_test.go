//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// strippedSample is what rewrite --strip writes for the sample, to a
// plain new file.
func strippedSample(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "plain.pcap")
	r := iplabel(t, "", "rewrite", "--in", samplePath, "--out", out, "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	b := mustRead(t, out)
	require.NotEqual(t, mustRead(t, samplePath), b)
	return b
}

// dirNames lists a directory's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestRewriteOutputKinds: a symbolic link is written through (the link
// stays, the target gets the capture, no temporary file is left in
// either directory); a relative target is taken in its link's directory
// as the kernel resolves it; a dangling link creates its target; a FIFO is
// written in place; a directory and a socket are refused.
func TestRewriteOutputKinds(t *testing.T) {
	want := strippedSample(t)

	dir, tdir := t.TempDir(), t.TempDir()
	target := filepath.Join(tdir, "target.pcap")
	require.NoError(t, os.WriteFile(target, []byte("previous"), 0o640))
	link := filepath.Join(dir, "link.pcap")
	require.NoError(t, os.Symlink(target, link))
	link2 := filepath.Join(dir, "link2.pcap") // a relative link to a link
	require.NoError(t, os.Symlink("link.pcap", link2))
	r := iplabel(t, "", "rewrite", "--in", samplePath, "--out", link2, "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, l := range []string{link, link2} {
		fi, err := os.Lstat(l)
		require.NoError(t, err)
		assert.True(t, fi.Mode()&fs.ModeSymlink != 0, "%s is still a symbolic link", l)
	}
	assert.Equal(t, want, mustRead(t, target))
	assert.ElementsMatch(t, []string{"link.pcap", "link2.pcap"}, dirNames(t, dir))
	assert.Equal(t, []string{"target.pcap"}, dirNames(t, tdir))
	fi, err := os.Stat(target)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o640), fi.Mode().Perm(), "the target keeps its mode")

	dangling := filepath.Join(dir, "dangling.pcap")
	require.NoError(t, os.Symlink(filepath.Join(tdir, "new.pcap"), dangling))
	r = iplabel(t, "", "rewrite", "--in", samplePath, "--out", dangling, "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, want, mustRead(t, filepath.Join(tdir, "new.pcap")))

	// A relative target's ".." is taken in the link's directory as the
	// kernel finds it, through the links before it, never lexically:
	// s/a -> real/sub and s/real/sub/out -> ../target.pcap name
	// s/real/target.pcap, not s/target.pcap.
	s := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(s, "real", "sub"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join("real", "sub"), filepath.Join(s, "a")))
	require.NoError(t, os.Symlink(filepath.Join("..", "target.pcap"), filepath.Join(s, "real", "sub", "out")))
	require.NoError(t, os.WriteFile(filepath.Join(s, "target.pcap"), []byte("unrelated"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(s, "real", "target.pcap"), []byte("previous"), 0o640))
	r = iplabel(t, "", "rewrite", "--in", samplePath, "--out", filepath.Join(s, "a", "out"), "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, want, mustRead(t, filepath.Join(s, "real", "target.pcap")), "the kernel's target is written")
	assert.Equal(t, "unrelated", string(mustRead(t, filepath.Join(s, "target.pcap"))), "the lexical one is not")
	assert.ElementsMatch(t, []string{"a", "real", "target.pcap"}, dirNames(t, s))
	assert.ElementsMatch(t, []string{"sub", "target.pcap"}, dirNames(t, filepath.Join(s, "real")), "the temporary file went beside the target")
	assert.Equal(t, []string{"out"}, dirNames(t, filepath.Join(s, "real", "sub")))
	fi, err = os.Lstat(filepath.Join(s, "real", "sub", "out"))
	require.NoError(t, err)
	assert.True(t, fi.Mode()&fs.ModeSymlink != 0, "the link stays a link")
	// A path whose own ".." follows a link: s/a/../x is s/real/x.
	r = iplabel(t, "", "rewrite", "--in", samplePath, "--out", s+"/a/../x.pcap", "--strip") // not filepath.Join, which cleans
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, want, mustRead(t, filepath.Join(s, "real", "x.pcap")))
	assert.ElementsMatch(t, []string{"a", "real", "target.pcap"}, dirNames(t, s))

	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	r = iplabel(t, "", "rewrite", "--in", samplePath, "--out", fifo, "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, want, <-got)
	fi, err = os.Lstat(fifo)
	require.NoError(t, err)
	assert.True(t, fi.Mode()&fs.ModeNamedPipe != 0, "the FIFO is still a FIFO")

	r = iplabel(t, "", "rewrite", "--in", samplePath, "--out", dir, "--strip")
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, dir, "is a directory")
}

// TestRewriteDevice: a device node as --out is written in place, never
// replaced (a private null device, char 1,3, made in a temporary
// directory).
func TestRewriteDevice(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: mknod of a character device")
	}
	dev := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skip("needs mknod of a character device here: ", err)
	}
	r := iplabel(t, "", "rewrite", "--in", samplePath, "--out", dev, "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	fi, err := os.Lstat(dev)
	require.NoError(t, err)
	assert.True(t, fi.Mode()&fs.ModeCharDevice != 0, "still a character device: %v", fi.Mode())
	st := fi.Sys().(*syscall.Stat_t)
	assert.Equal(t, uint64(1<<8|3), uint64(st.Rdev), "still the null device")
	assert.Equal(t, []string{"null"}, dirNames(t, filepath.Dir(dev)))
}

// TestRewriteStdio: "--in -" reads stdin, "--out -" writes the capture to
// stdout and nothing else; the summary goes to stderr. /dev/stdout and
// the other names of a descriptor are written through the descriptor:
// a file redirected with >> keeps its content, a deleted one gets no
// new name.
func TestRewriteStdio(t *testing.T) {
	want := strippedSample(t)
	r := iplabel(t, string(mustRead(t, samplePath)), "rewrite", "--in", "-", "--out", "-", "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, string(want), r.stdout)
	assert.Equal(t, "iplabel: rewrite: stdout: 14 packets: 12 rewritten, 1 unchanged, 1 not IPv4 or IPv6, 0 skipped (unfit)\n", r.stderr)
	assert.NoFileExists(t, "-")

	if testing.Short() {
		return
	}
	// The built binary in a pipeline, as tcpdump -w - | iplabel | tshark -r -.
	cmd := exec.Command(builtBinary(t), "rewrite", "--in", "-", "--out", "-", "--strip")
	cmd.Stdin = bytes.NewReader(mustRead(t, samplePath))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), errb.String())
	assert.Equal(t, want, out.Bytes())
	assert.Len(t, lines(errb.String()), 1)

	// --out /dev/stdout on a pipe: the pipe is written, nothing created.
	cmd = exec.Command(builtBinary(t), "rewrite", "--in", samplePath, "--out", "/dev/stdout", "--strip")
	out.Reset()
	errb.Reset()
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), errb.String())
	assert.Equal(t, want, out.Bytes())

	// --out /dev/stdout on a regular file: written through the links.
	f := filepath.Join(t.TempDir(), "redirected.pcap")
	b, err := exec.Command("sh", "-c", `exec "$0" rewrite --in "$1" --out /dev/stdout --strip > "$2"`, builtBinary(t), samplePath, f).CombinedOutput()
	require.NoError(t, err, string(b))
	assert.Equal(t, want, mustRead(t, f))
	assert.Equal(t, []string{"redirected.pcap"}, dirNames(t, filepath.Dir(f)))

	// Appended to (>>): the descriptor is written in place, the old
	// content stays and the capture follows it; nothing is renamed over
	// the file. The same through /dev/fd/1, /proc/self/fd/1 and
	// /proc/thread-self/fd/1.
	for _, name := range []string{"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "/proc/thread-self/fd/1"} {
		f := filepath.Join(t.TempDir(), "appended.pcap")
		require.NoError(t, os.WriteFile(f, []byte("old content\n"), 0o600))
		fi0, err := os.Stat(f)
		require.NoError(t, err)
		b, err := exec.Command("sh", "-c", `exec "$0" rewrite --in "$1" --out "$2" --strip >> "$3"`, builtBinary(t), samplePath, name, f).CombinedOutput()
		require.NoError(t, err, "%s: %s", name, b)
		assert.True(t, bytes.Equal(append([]byte("old content\n"), want...), mustRead(t, f)), "%s: the old content, then the capture", name)
		assert.Equal(t, []string{"appended.pcap"}, dirNames(t, filepath.Dir(f)), name)
		fi1, err := os.Stat(f)
		require.NoError(t, err)
		assert.True(t, os.SameFile(fi0, fi1), "%s: the same file, not a new one renamed over it", name)
	}

	// A deleted file as stdout: written through the descriptor, no file
	// named "NAME (deleted)" created.
	dir := t.TempDir()
	gone := filepath.Join(dir, "gone.pcap")
	g, err := os.OpenFile(gone, os.O_RDWR|os.O_CREATE, 0o600)
	require.NoError(t, err)
	defer g.Close()
	require.NoError(t, os.Remove(gone))
	cmd = exec.Command(builtBinary(t), "rewrite", "--in", samplePath, "--out", "/dev/stdout", "--strip")
	errb.Reset()
	cmd.Stdout, cmd.Stderr = g, &errb
	require.NoError(t, cmd.Run(), errb.String())
	assert.Empty(t, dirNames(t, dir))
	b, err = io.ReadAll(io.NewSectionReader(g, 0, 1<<20))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, b), "the deleted file holds the capture")

	// A descriptor open only for reading is refused.
	b, err = exec.Command("sh", "-c", `exec "$0" rewrite --in "$1" --out /dev/stdin --strip < "$2"`, builtBinary(t), samplePath, f).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, string(b))
	assert.Equal(t, exitError, ee.ExitCode(), string(b))
	assert.Contains(t, string(b), "not open for writing")
	assert.True(t, bytes.Equal(want, mustRead(t, f)), "the file read from is untouched")
}

// TestRewriteModes: an existing output keeps its mode (and owner, as
// root); a new one gets 0666 less the umask.
func TestRewriteModes(t *testing.T) {
	for _, mode := range []fs.FileMode{0o600, 0o640, 0o604, 0o444} {
		out := filepath.Join(t.TempDir(), "out.pcap")
		require.NoError(t, os.WriteFile(out, []byte("previous"), 0o600))
		require.NoError(t, os.Chmod(out, mode))
		r := iplabel(t, "", "rewrite", "--in", samplePath, "--out", out, "--strip")
		require.Equal(t, exitOK, r.code, r.stderr)
		fi, err := os.Stat(out)
		require.NoError(t, err)
		assert.Equal(t, mode, fi.Mode().Perm(), "existing %v", mode)
		assert.NotEqual(t, "previous", string(mustRead(t, out)))
	}
	if os.Geteuid() == 0 {
		out := filepath.Join(t.TempDir(), "owned.pcap")
		require.NoError(t, os.WriteFile(out, []byte("previous"), 0o640))
		require.NoError(t, os.Chown(out, 4321, 8765))
		r := iplabel(t, "", "rewrite", "--in", samplePath, "--out", out, "--strip")
		require.Equal(t, exitOK, r.code, r.stderr)
		fi, err := os.Stat(out)
		require.NoError(t, err)
		st := fi.Sys().(*syscall.Stat_t)
		assert.Equal(t, [2]uint32{4321, 8765}, [2]uint32{st.Uid, st.Gid}, "owner kept")
		assert.Equal(t, fs.FileMode(0o640), fi.Mode().Perm())
	} else {
		t.Log("owner kept: not tested, needs root")
	}

	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	bin := builtBinary(t)
	for _, c := range []struct {
		umask string
		want  fs.FileMode
	}{{"022", 0o644}, {"027", 0o640}, {"077", 0o600}, {"002", 0o664}} {
		out := filepath.Join(t.TempDir(), "new.pcap")
		cmd := exec.Command("sh", "-c", `umask "$1" && exec "$0" rewrite --in "$2" --out "$3" --strip`, bin, c.umask, samplePath, out)
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, string(b))
		fi, err := os.Stat(out)
		require.NoError(t, err)
		assert.Equal(t, c.want, fi.Mode().Perm(), "umask %s", c.umask)
	}
}

// TestRewriteSignals: SIGINT or SIGTERM while rewrite waits on a FIFO
// input ends it with a nonzero status, removes the temporary file, and
// leaves the previous output byte for byte.
func TestRewriteSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	bin := builtBinary(t)
	sample := mustRead(t, samplePath)
	tested := 0
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		if signal.Ignored(sig) {
			// Inherited as ignored (nohup; SIGINT in a shell's background
			// job): the child inherits that too and, by design, keeps it
			// (TestRewriteIgnoredSignal), so this signal cannot end it.
			t.Logf("%v: ignored by this test process, so by rewrite too: not sent", sig)
			continue
		}
		tested++
		dir := t.TempDir()
		fifo := filepath.Join(dir, "in.fifo")
		require.NoError(t, syscall.Mkfifo(fifo, 0o600))
		out := filepath.Join(dir, "out.pcap")
		require.NoError(t, os.WriteFile(out, []byte("previous output"), 0o644))
		// Held open for writing (O_RDWR does not wait for a reader), never
		// closed until the end: rewrite blocks reading it.
		w, err := os.OpenFile(fifo, os.O_RDWR, 0)
		require.NoError(t, err)
		cmd := exec.Command(bin, "rewrite", "--in", fifo, "--out", out, "--strip")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		require.NoError(t, cmd.Start())
		_, err = w.Write(sample[:len(sample)-30]) // all but the end of the last packet
		require.NoError(t, err)
		// Wait for the temporary file: the run is under way.
		deadline := time.Now().Add(10 * time.Second)
		for len(dirNames(t, dir)) < 3 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		require.Len(t, dirNames(t, dir), 3, "the temporary file appears")
		time.Sleep(50 * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(sig))
		err = cmd.Wait()
		w.Close()
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "%v: %v", sig, err)
		assert.False(t, ee.Success(), "%v: nonzero exit", sig)
		ws := ee.Sys().(syscall.WaitStatus)
		assert.True(t, ws.Signaled() && ws.Signal() == sig || ws.ExitStatus() == 128+int(sig), "%v: died of it: %v", sig, ws)
		assert.ElementsMatch(t, []string{"in.fifo", "out.pcap"}, dirNames(t, dir), "%v: no temporary file left", sig)
		assert.Equal(t, "previous output", string(mustRead(t, out)), "%v: previous output untouched", sig)
	}
	if tested == 0 {
		t.Skip("SIGINT, SIGTERM and SIGHUP are all ignored by this process")
	}
}

// TestRewriteIgnoredSignal: a signal ignored when rewrite starts (nohup,
// trap "" HUP) stays ignored: SIGHUP mid-run changes nothing and the run
// finishes normally.
func TestRewriteIgnoredSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh (trap) to start the binary with SIGHUP ignored")
	}
	bin := builtBinary(t)
	want := strippedSample(t)
	sample := mustRead(t, samplePath)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	out := filepath.Join(dir, "out.pcap")
	require.NoError(t, os.WriteFile(out, []byte("previous output"), 0o644))
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	require.NoError(t, err)
	defer w.Close()
	cmd := exec.Command("sh", "-c", `trap '' HUP; exec "$0" rewrite --in "$1" --out "$2" --strip`, bin, fifo, out)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	require.NoError(t, cmd.Start())
	_, err = w.Write(sample[:len(sample)-30])
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for len(dirNames(t, dir)) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.Len(t, dirNames(t, dir), 3, "the temporary file appears")
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	time.Sleep(200 * time.Millisecond)
	_, err = w.Write(sample[len(sample)-30:])
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, cmd.Wait(), "SIGHUP ignored: the run goes on; %s", errb.String())
	assert.Equal(t, want, mustRead(t, out))
	assert.ElementsMatch(t, []string{"in.fifo", "out.pcap"}, dirNames(t, dir))
}

// TestRewriteBadChecksum: a packet whose input header checksum is wrong
// is copied as it was, noted and counted, unless --fix-checksum.
func TestRewriteBadChecksum(t *testing.T) {
	good := ethernet(etherTypeIPv4, ipv4(t, 1))
	bad := ethernet(etherTypeIPv4, ipv4(t, 2))
	bad[14+10] ^= 0x55
	in := writeFile(t, "sum.pcap", string(pcapOf(t, 1, good, bad, bad)))
	out := in + ".out"
	r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3,tags=1")
	require.Equal(t, exitOK, r.code, r.stderr)
	ls := lines(r.stderr)
	require.Len(t, ls, 2, r.stderr)
	assert.Contains(t, ls[0], in+": packet 2: IPv4 header checksum")
	assert.Contains(t, ls[0], "copied as it was")
	assert.Contains(t, ls[1], "3 packets: 1 rewritten, 0 unchanged, 0 not IPv4, 0 skipped (unfit), 2 with a bad header checksum (copied as they were)")
	got, _, _ := readCapture(t, out)
	require.Len(t, got, 3)
	assert.Equal(t, bad, got[1])
	assert.Equal(t, bad, got[2])

	r = iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3,tags=1", "--fix-checksum")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "3 rewritten, 0 unchanged, 0 not IPv4, 0 skipped (unfit), 2 with a bad header checksum (fixed)")
	got, _, _ = readCapture(t, out)
	for _, f := range got {
		splitIPv4(t, f) // checks the checksum
	}
	// --strip of a packet with nothing to strip: with --fix-checksum the
	// checksum alone is fixed.
	r = iplabel(t, "", "rewrite", "--in", in, "--out", out, "--strip", "--fix-checksum")
	require.Equal(t, exitOK, r.code, r.stderr)
	got, _, _ = readCapture(t, out)
	opts, _ := splitIPv4(t, got[1])
	assert.Empty(t, opts)
	assert.Contains(t, r.stderr, "2 rewritten, 1 unchanged")
}

// TestRewriteKeepsPcapHeader: byte order, thiszone, sigfigs, timestamp
// resolution and every raw timestamp survive a rewrite.
func TestRewriteKeepsPcapHeader(t *testing.T) {
	frames := sampleFrames(t)[:3]
	le := pcapOf(t, 1, frames...)
	binary.LittleEndian.PutUint32(le[8:], 0xfffff1f0) // thiszone -3600
	binary.LittleEndian.PutUint32(le[12:], 6)         // sigfigs
	stamps := [][2]uint32{{0, 0}, {0xffffffff, 999999}, {1700000000, 123456}}
	for i, off := range recordOffsets(le) {
		binary.LittleEndian.PutUint32(le[off:], stamps[i][0])
		binary.LittleEndian.PutUint32(le[off+4:], stamps[i][1])
	}
	be := toBigEndian(t, le)
	leNano := append([]byte{}, le...)
	binary.LittleEndian.PutUint32(leNano, magicPcapNano)
	beNano := append([]byte{}, be...)
	binary.BigEndian.PutUint32(beNano, magicPcapNano)
	for _, data := range [][]byte{le, be, leNano, beNano} {
		in := writeFile(t, "in.pcap", string(data))
		out := in + ".out"
		r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--strip")
		require.Equal(t, exitOK, r.code, r.stderr)
		got := mustRead(t, out)
		assert.Equal(t, data[:16], got[:16], "magic, version, thiszone, sigfigs")
		assert.Equal(t, data[20:24], got[20:24], "link type")
		o := binary.ByteOrder(binary.LittleEndian)
		if data[0] == 0xa1 { // big-endian magic
			o = binary.BigEndian
		}
		for i, off := 0, 24; off < len(got); i++ {
			assert.Equal(t, stamps[i], [2]uint32{o.Uint32(got[off:]), o.Uint32(got[off+4:])}, "packet %d", i+1)
			off += 16 + int(o.Uint32(got[off+8:]))
		}
	}
}

// TestRewriteKeepsPcapng: sections, interfaces, comments, custom blocks
// (but those not to be copied), statistics and Simple Packet Blocks (with
// no invented timestamp) survive a rewrite; packets keep their
// timestamps.
func TestRewriteKeepsPcapng(t *testing.T) {
	data, want, comments := mixedPcapng(t)
	in := writeFile(t, "in.pcapng", string(data))
	out := in + ".out"
	r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3,tags=1")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "5 packets: 5 rewritten")

	readAll := func(path string) (ts []int64, typs []uint32, n []int) {
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		c, err := openCapture(path, f, -1)
		require.NoError(t, err)
		for {
			_, ci, _, err := c.next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			ts = append(ts, ci.Timestamp.UnixNano())
			typs = append(typs, c.rec.typ)
			n = append(n, c.packets)
		}
		return
	}
	ts0, typs0, n0 := readAll(in)
	ts1, typs1, n1 := readAll(out)
	assert.Equal(t, ts0, ts1, "timestamps")
	assert.Equal(t, typs0, typs1, "block types: the SPB stays an SPB")
	assert.Equal(t, []int64{1700000000123456789, 1700000001000000000, time.Time{}.UnixNano(), 1700000002000000000, 1700000003000000000}, ts1)
	assert.Equal(t, want, n0)
	assert.Equal(t, []int{1, 3, 5, 7, 8}, n1, "the custom block not to be copied is gone")
	got := mustRead(t, out)
	assert.Contains(t, string(got), "copy me")
	assert.NotContains(t, string(got), "do not copy")
	assert.Contains(t, string(got), "section two")

	d := iplabel(t, "", "dump", out)
	assert.Equal(t, 5, strings.Count(d.stdout, "CIPSO DOI 16"), d.stdout)

	if _, err := exec.LookPath("tshark"); err != nil {
		t.Log("tshark comparison skipped: ", "tshark not found")
		return
	}
	var tc []string
	var tn []int
	for _, row := range tsharkRows(t, out, "ip.src", "frame.comment", "frame.number") {
		if row[0] != "" {
			tc = append(tc, row[1])
			n, err := strconv.Atoi(row[2])
			require.NoError(t, err)
			tn = append(tn, n)
		}
	}
	assert.Equal(t, comments, tc, "tshark's frame.comment after the rewrite")
	assert.Equal(t, n1, tn, "tshark's frame.number after the rewrite")
}

// TestRewriteCutSPB: a Simple Packet Block cut short by the snapshot
// length cannot be written back truthfully: the run stops.
func TestRewriteCutSPB(t *testing.T) {
	f := &ngFile{}
	f.shb(binary.LittleEndian)
	f.idb(uint16(linkIPv4), 24)
	ip := ipv4(t, 1)
	f.spb(ip[:24], len(ip))
	in := writeFile(t, "cut.pcapng", string(f.b))
	r := iplabel(t, "", "dump", in)
	require.Equal(t, exitOK, r.code, r.stderr)
	r = iplabel(t, "", "rewrite", "--in", in, "--out", in+".out", "--strip")
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, in, "packet 1", "Simple Packet Block cut short")
	assert.NoFileExists(t, in+".out")
}

// TestRewriteForeignOwner: run as another user (root drops to nobody),
// rewrite cannot keep a file's owner or group: the new file is the
// runner's, and the group's permission bits are dropped rather than
// given to the runner's group; the other bits stay.
func TestRewriteForeignOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: to run the binary as another user")
	}
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	// A directory the other user can reach (t.TempDir's parent is 0700),
	// holding a copy of the binary.
	dir, err := os.MkdirTemp("", "iplabel-owner-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o777))
	bin := filepath.Join(dir, "iplabel")
	require.NoError(t, os.WriteFile(bin, mustRead(t, builtBinary(t)), 0o755))
	in := filepath.Join(dir, "in.pcap")
	require.NoError(t, os.WriteFile(in, mustRead(t, samplePath), 0o644))
	out := filepath.Join(dir, "out.pcap")
	require.NoError(t, os.WriteFile(out, []byte("previous"), 0o664))
	require.NoError(t, os.Chown(out, 4321, 8765))
	require.NoError(t, os.Chmod(out, 0o664))
	cmd := exec.Command(bin, "rewrite", "--in", in, "--out", out, "--strip")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	fi, err := os.Stat(out)
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	assert.Equal(t, [2]uint32{65534, 65534}, [2]uint32{st.Uid, st.Gid})
	assert.Equal(t, fs.FileMode(0o604), fi.Mode().Perm(), "group bits dropped, never widened")
}
