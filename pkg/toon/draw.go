package toon

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/vector"
)

// vec is a point in the unit drawing square (before the pose transform) or,
// after it, in pixels.
type vec struct{ x, y float32 }

// rgb is a linear-ish colour with channels in [0, 1].
type rgb struct{ r, g, b float32 }

func (c rgb) shade(f float32) rgb { return rgb{clamp01(c.r * f), clamp01(c.g * f), clamp01(c.b * f)} }

func (c rgb) mix(d rgb, t float32) rgb {
	return rgb{c.r + (d.r-c.r)*t, c.g + (d.g-c.g)*t, c.b + (d.b-c.b)*t}
}

// rgba returns c with opacity a as premultiplied color.RGBA.
func (c rgb) rgba(a float32) color.RGBA {
	a = clamp01(a)
	return color.RGBA{
		R: uint8(clamp01(c.r)*a*255 + 0.5),
		G: uint8(clamp01(c.g)*a*255 + 0.5),
		B: uint8(clamp01(c.b)*a*255 + 0.5),
		A: uint8(a*255 + 0.5),
	}
}

func clamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// Path commands recorded by canvas, in pixel space.
const (
	cmdMove = iota
	cmdLine
	cmdQuad
	cmdCube
	cmdClose
)

type cmd struct {
	kind uint8
	p    [6]float32
}

// canvas is one render's drawing state: the target image, a reusable
// rasterizer, the unit-square-to-pixel transform and scratch buffers. A canvas
// is used by one goroutine only.
type canvas struct {
	img  *image.RGBA
	rz   vector.Rasterizer
	uni  image.Uniform
	size float32
	// unit -> pixel affine transform: x' = a*x + b*y + e, y' = c*x + d*y + f.
	a, b, c, d, e, f float32
	scale            float32 // pixels per unit length (including pose scale)

	cmds       []cmd
	minX, minY float32
	maxX, maxY float32
	start      vec // current subpath start (pixels)
	pen        vec // current point (pixels)

	poly   []vec // flattened polylines for stroking
	polyAt []int // start index of each polyline in poly
	closed []bool
	sp     []vec // spline scratch
}

func newCanvas(size int) *canvas {
	cv := &canvas{img: image.NewRGBA(image.Rect(0, 0, size, size))}
	cv.size = float32(size)
	cv.setPose(0, 1, 0, 0)
	cv.cmds = make([]cmd, 0, 64)
	cv.poly = make([]vec, 0, 256)
	cv.sp = make([]vec, 0, 32)
	cv.polyAt = make([]int, 0, 8)
	cv.closed = make([]bool, 0, 8)
	return cv
}

// setPose sets the unit->pixel transform: rotate by tilt (radians) and scale
// by s about the pivot (0.5, 0.55), then shift by (dx, dy) units.
func (cv *canvas) setPose(tilt, s, dx, dy float32) {
	const px, py = 0.5, 0.55
	sin, cos := math.Sincos(float64(tilt))
	k := cv.size * s
	cv.a, cv.b = float32(cos)*k, -float32(sin)*k
	cv.c, cv.d = float32(sin)*k, float32(cos)*k
	// p' = size*(pivot + d) + R*S*size*(p - pivot)
	cv.e = cv.size*(px+dx) - (cv.a*px + cv.b*py)
	cv.f = cv.size*(py+dy) - (cv.c*px + cv.d*py)
	cv.scale = k
}

func (cv *canvas) tf(x, y float32) (float32, float32) {
	return cv.a*x + cv.b*y + cv.e, cv.c*x + cv.d*y + cv.f
}

func (cv *canvas) grow(x, y float32) {
	if len(cv.cmds) == 0 {
		cv.minX, cv.maxX, cv.minY, cv.maxY = x, x, y, y
		return
	}
	cv.minX = min(cv.minX, x)
	cv.maxX = max(cv.maxX, x)
	cv.minY = min(cv.minY, y)
	cv.maxY = max(cv.maxY, y)
}

func (cv *canvas) moveTo(x, y float32) {
	X, Y := cv.tf(x, y)
	cv.grow(X, Y)
	cv.cmds = append(cv.cmds, cmd{kind: cmdMove, p: [6]float32{X, Y}})
	cv.start, cv.pen = vec{X, Y}, vec{X, Y}
}

func (cv *canvas) lineTo(x, y float32) {
	X, Y := cv.tf(x, y)
	cv.grow(X, Y)
	cv.cmds = append(cv.cmds, cmd{kind: cmdLine, p: [6]float32{X, Y}})
	cv.pen = vec{X, Y}
}

func (cv *canvas) quadTo(bx, by, x, y float32) {
	BX, BY := cv.tf(bx, by)
	X, Y := cv.tf(x, y)
	cv.grow(BX, BY)
	cv.grow(X, Y)
	cv.cmds = append(cv.cmds, cmd{kind: cmdQuad, p: [6]float32{BX, BY, X, Y}})
	cv.pen = vec{X, Y}
}

func (cv *canvas) cubeTo(bx, by, cx, cy, x, y float32) {
	BX, BY := cv.tf(bx, by)
	CX, CY := cv.tf(cx, cy)
	X, Y := cv.tf(x, y)
	cv.grow(BX, BY)
	cv.grow(CX, CY)
	cv.grow(X, Y)
	cv.cmds = append(cv.cmds, cmd{kind: cmdCube, p: [6]float32{BX, BY, CX, CY, X, Y}})
	cv.pen = vec{X, Y}
}

func (cv *canvas) closePath() {
	cv.cmds = append(cv.cmds, cmd{kind: cmdClose})
	cv.pen = cv.start
}

// bounds returns the pixel rectangle covering the recorded path's control
// points grown by pad pixels, clipped to the image.
func (cv *canvas) bounds(pad float32) image.Rectangle {
	r := image.Rect(
		int(math.Floor(float64(cv.minX-pad))), int(math.Floor(float64(cv.minY-pad))),
		int(math.Ceil(float64(cv.maxX+pad)))+1, int(math.Ceil(float64(cv.maxY+pad)))+1)
	return r.Intersect(cv.img.Rect)
}

// paint draws the rasterizer's current mask over r in colour col.
func (cv *canvas) paint(r image.Rectangle, col color.RGBA) {
	cv.uni.C = col
	cv.rz.Draw(cv.img, r, &cv.uni, image.Point{})
}

// fill fills the recorded path (non-zero-ish winding) with col at opacity a
// and clears the path.
func (cv *canvas) fill(col rgb, a float32) {
	defer cv.clear()
	if len(cv.cmds) == 0 {
		return
	}
	r := cv.bounds(0)
	if r.Empty() {
		return
	}
	cv.rz.Reset(r.Dx(), r.Dy())
	ox, oy := float32(r.Min.X), float32(r.Min.Y)
	for i := range cv.cmds {
		p := &cv.cmds[i].p
		switch cv.cmds[i].kind {
		case cmdMove:
			cv.rz.MoveTo(p[0]-ox, p[1]-oy)
		case cmdLine:
			cv.rz.LineTo(p[0]-ox, p[1]-oy)
		case cmdQuad:
			cv.rz.QuadTo(p[0]-ox, p[1]-oy, p[2]-ox, p[3]-oy)
		case cmdCube:
			cv.rz.CubeTo(p[0]-ox, p[1]-oy, p[2]-ox, p[3]-oy, p[4]-ox, p[5]-oy)
		case cmdClose:
			cv.rz.ClosePath()
		}
	}
	cv.rz.ClosePath()
	cv.paint(r, col.rgba(a))
}

func (cv *canvas) clear() { cv.cmds = cv.cmds[:0] }

// flatten converts the recorded path into polylines in cv.poly.
func (cv *canvas) flatten() {
	cv.poly, cv.polyAt, cv.closed = cv.poly[:0], cv.polyAt[:0], cv.closed[:0]
	var pen vec
	for i := range cv.cmds {
		p := cv.cmds[i].p
		switch cv.cmds[i].kind {
		case cmdMove:
			cv.polyAt = append(cv.polyAt, len(cv.poly))
			cv.closed = append(cv.closed, false)
			pen = vec{p[0], p[1]}
			cv.poly = append(cv.poly, pen)
		case cmdLine:
			pen = vec{p[0], p[1]}
			cv.poly = append(cv.poly, pen)
		case cmdQuad:
			b, e := vec{p[0], p[1]}, vec{p[2], p[3]}
			n := segments(dist(pen, b) + dist(b, e))
			for k := 1; k <= n; k++ {
				t := float32(k) / float32(n)
				u := 1 - t
				cv.poly = append(cv.poly, vec{
					u*u*pen.x + 2*u*t*b.x + t*t*e.x,
					u*u*pen.y + 2*u*t*b.y + t*t*e.y,
				})
			}
			pen = e
		case cmdCube:
			b, c, e := vec{p[0], p[1]}, vec{p[2], p[3]}, vec{p[4], p[5]}
			n := segments(dist(pen, b) + dist(b, c) + dist(c, e))
			for k := 1; k <= n; k++ {
				t := float32(k) / float32(n)
				u := 1 - t
				w0, w1, w2, w3 := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
				cv.poly = append(cv.poly, vec{
					w0*pen.x + w1*b.x + w2*c.x + w3*e.x,
					w0*pen.y + w1*b.y + w2*c.y + w3*e.y,
				})
			}
			pen = e
		case cmdClose:
			if len(cv.closed) > 0 {
				cv.closed[len(cv.closed)-1] = true
				pen = cv.poly[cv.polyAt[len(cv.polyAt)-1]]
			}
		}
	}
}

// segments is how many line segments approximate a curve whose control
// polygon is length pixels long.
func segments(length float32) int {
	n := int(length/2.5) + 1
	return max(2, min(n, 48))
}

func dist(p, q vec) float32 {
	dx, dy := q.x-p.x, q.y-p.y
	return float32(math.Sqrt(float64(dx*dx + dy*dy)))
}

// stroke draws the recorded path's outline with width w (unit lengths) in
// col at opacity a and clears the path. The stroke is a union of equally
// oriented quads, which the rasterizer's clamped accumulation merges: at
// gentle bends neighbouring quads share a mitred edge (no overlap, so the
// anti-aliased edge coverage stays exact); sharp bends and open ends get
// round discs.
func (cv *canvas) stroke(col rgb, a, w float32) {
	defer cv.clear()
	if len(cv.cmds) == 0 {
		return
	}
	h := max(w*cv.scale, 0.8) / 2
	r := cv.bounds(h + 1)
	if r.Empty() {
		return
	}
	cv.flatten()
	cv.rz.Reset(r.Dx(), r.Dy())
	o := vec{float32(r.Min.X), float32(r.Min.Y)}
	for k, at := range cv.polyAt {
		end := len(cv.poly)
		if k+1 < len(cv.polyAt) {
			end = cv.polyAt[k+1]
		}
		cv.strokeLine(dedup(cv.poly[at:end]), cv.closed[k], o, h)
	}
	cv.paint(r, col.rgba(a))
}

// dedup removes consecutive (nearly) equal points in place.
func dedup(line []vec) []vec {
	out := line[:0]
	for _, p := range line {
		if len(out) > 0 && dist(out[len(out)-1], p) < 1e-3 {
			continue
		}
		out = append(out, p)
	}
	if len(out) > 1 && dist(out[0], out[len(out)-1]) < 1e-3 {
		out = out[:len(out)-1]
	}
	return out
}

// strokeLine strokes one polyline with half width h, offset by -o.
func (cv *canvas) strokeLine(line []vec, closed bool, o vec, h float32) {
	n := len(line)
	if n == 0 {
		return
	}
	if n == 1 {
		cv.disc(line[0], o, h)
		return
	}
	segs := n - 1
	if closed {
		segs = n
	}
	// normal of segment i (from line[i] to line[i+1]) scaled to h.
	normal := func(i int) (vec, float32) {
		p, q := line[i%n], line[(i+1)%n]
		d := dist(p, q)
		return vec{-(q.y - p.y) / d * h, (q.x - p.x) / d * h}, d
	}
	// join returns the offset at vertex i and whether it is mitred.
	join := func(i int) (vec, bool) {
		if !closed && (i == 0 || i == n-1) {
			return vec{}, false
		}
		n0, l0 := normal(i - 1 + n)
		n1, l1 := normal(i)
		c := (n0.x*n1.x + n0.y*n1.y) / (h * h) // cos of the turn
		if c < 0.64 || min(l0, l1) < h {
			return vec{}, false
		}
		m := vec{n0.x + n1.x, n0.y + n1.y}
		// |m| = 2h cos(turn/2); the miter needs length h / cos(turn/2).
		k := 2 * h * h / (m.x*m.x + m.y*m.y)
		return vec{m.x * k, m.y * k}, true
	}
	first, firstMiter := join(0)
	prev, prevMiter := first, firstMiter
	if !prevMiter {
		cv.disc(line[0], o, h)
	}
	for i := 0; i < segs; i++ {
		nrm, _ := normal(i)
		s := nrm
		if prevMiter {
			s = prev
		}
		var e vec
		var eMiter bool
		if i+1 == n { // closing segment of a closed line
			e, eMiter = first, firstMiter
		} else {
			e, eMiter = join(i + 1)
			if !eMiter {
				cv.disc(line[i+1], o, h)
			}
		}
		en := nrm
		if eMiter {
			en = e
		}
		p, q := line[i], line[(i+1)%n]
		cv.rz.MoveTo(p.x-s.x-o.x, p.y-s.y-o.y)
		cv.rz.LineTo(q.x-en.x-o.x, q.y-en.y-o.y)
		cv.rz.LineTo(q.x+en.x-o.x, q.y+en.y-o.y)
		cv.rz.LineTo(p.x+s.x-o.x, p.y+s.y-o.y)
		cv.rz.ClosePath()
		prev, prevMiter = e, eMiter
	}
}

// discDirs are 12 unit directions in increasing angle.
var discDirs = func() (d [12]vec) {
	for i := range d {
		s, c := math.Sincos(2 * math.Pi * float64(i) / 12)
		d[i] = vec{float32(c), float32(s)}
	}
	return d
}()

func (cv *canvas) disc(p, o vec, h float32) {
	// Slightly larger than h so the polygon's flats reach the circle.
	h *= 1.017
	cv.rz.MoveTo(p.x+h*discDirs[0].x-o.x, p.y+h*discDirs[0].y-o.y)
	for _, d := range discDirs[1:] {
		cv.rz.LineTo(p.x+h*d.x-o.x, p.y+h*d.y-o.y)
	}
	cv.rz.ClosePath()
}

// ellipse adds an axis-aligned (before pose) ellipse as four cubic Béziers.
// ccw reverses the direction, which punches holes into other subpaths.
func (cv *canvas) ellipse(x, y, rx, ry float32, ccw bool) {
	cv.ellipseRot(x, y, rx, ry, 0, ccw)
}

// ellipseRot adds an ellipse rotated by ang radians.
func (cv *canvas) ellipseRot(x, y, rx, ry, ang float32, ccw bool) {
	const k = 0.5522848
	s64, c64 := math.Sincos(float64(ang))
	s, c := float32(s64), float32(c64)
	if ccw {
		ry = -ry
	}
	// Point at local (u, v).
	pt := func(u, v float32) (float32, float32) { return x + u*c - v*s, y + u*s + v*c }
	x0, y0 := pt(rx, 0)
	cv.moveTo(x0, y0)
	ax, ay := pt(rx, k*ry)
	bx, by := pt(k*rx, ry)
	ex, ey := pt(0, ry)
	cv.cubeTo(ax, ay, bx, by, ex, ey)
	ax, ay = pt(-k*rx, ry)
	bx, by = pt(-rx, k*ry)
	ex, ey = pt(-rx, 0)
	cv.cubeTo(ax, ay, bx, by, ex, ey)
	ax, ay = pt(-rx, -k*ry)
	bx, by = pt(-k*rx, -ry)
	ex, ey = pt(0, -ry)
	cv.cubeTo(ax, ay, bx, by, ex, ey)
	ax, ay = pt(k*rx, -ry)
	bx, by = pt(rx, -k*ry)
	cv.cubeTo(ax, ay, bx, by, x0, y0)
	cv.closePath()
}

// spline adds a closed Catmull-Rom spline through pts (unit coordinates) as
// cubic Béziers.
func (cv *canvas) spline(pts []vec) {
	n := len(pts)
	if n < 3 {
		return
	}
	cv.moveTo(pts[0].x, pts[0].y)
	for i := 0; i < n; i++ {
		p0, p1 := pts[(i+n-1)%n], pts[i]
		p2, p3 := pts[(i+1)%n], pts[(i+2)%n]
		cv.cubeTo(
			p1.x+(p2.x-p0.x)/6, p1.y+(p2.y-p0.y)/6,
			p2.x-(p3.x-p1.x)/6, p2.y-(p3.y-p1.y)/6,
			p2.x, p2.y)
	}
	cv.closePath()
}

// taper draws a brush stroke along the cubic Bézier p0..p3 (unit
// coordinates): width w in the middle, thinning to w*end at both ends.
func (cv *canvas) taper(p0, p1, p2, p3 vec, w, end float32, col rgb, a float32) {
	cv.clear()
	const n = 12
	var pts [n + 1]vec
	var hw [n + 1]float32
	for k := 0; k <= n; k++ {
		t := float32(k) / n
		u := 1 - t
		w0, w1, w2, w3 := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
		pts[k] = vec{
			w0*p0.x + w1*p1.x + w2*p2.x + w3*p3.x,
			w0*p0.y + w1*p1.y + w2*p2.y + w3*p3.y,
		}
		hw[k] = w / 2 * (end + (1-end)*float32(math.Sin(math.Pi*float64(t))))
	}
	var left, right [n + 1]vec
	for k := 0; k <= n; k++ {
		a, b := pts[max(k-1, 0)], pts[min(k+1, n)]
		dx, dy := b.x-a.x, b.y-a.y
		l := float32(math.Sqrt(float64(dx*dx + dy*dy)))
		if l < 1e-6 {
			l = 1e-6
		}
		nx, ny := -dy/l*hw[k], dx/l*hw[k]
		left[k] = vec{pts[k].x + nx, pts[k].y + ny}
		right[k] = vec{pts[k].x - nx, pts[k].y - ny}
	}
	cv.moveTo(left[0].x, left[0].y)
	for k := 1; k <= n; k++ {
		cv.lineTo(left[k].x, left[k].y)
	}
	for k := n; k >= 0; k-- {
		cv.lineTo(right[k].x, right[k].y)
	}
	cv.closePath()
	cv.fill(col, a)
}

// arc is taper for a quadratic curve p0, control c, end p1.
func (cv *canvas) arc(p0, c, p1 vec, w, end float32, col rgb, a float32) {
	cv.taper(p0,
		vec{p0.x + 2.0/3*(c.x-p0.x), p0.y + 2.0/3*(c.y-p0.y)},
		vec{p1.x + 2.0/3*(c.x-p1.x), p1.y + 2.0/3*(c.y-p1.y)},
		p1, w, end, col, a)
}
