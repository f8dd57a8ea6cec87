package toon

import "math"

// Layout of the unposed face in the unit square (y down).
const (
	cx      = 0.5  // face centre line
	hairCy  = 0.43 // centre of the hair/cranium ellipse
	hairRy  = 0.33 // vertical radius of the hair ellipse
	lineW   = 0.013
	earY    = 0.575
	strandY = 0.30 // fringe notches at the temples
)

var white = rgb{1, 1, 1}

// render draws the face described by p onto cv in painter's order.
func render(cv *canvas, p *params) {
	jit := &p.jit
	background(cv, p)
	cv.setPose(p.tilt, p.scale, p.dx, p.dy)
	backHair(cv, p, jit)
	body(cv, p)
	ears(cv, p)
	face(cv, p)
	eyes(cv, p)
	brows(cv, p)
	nose(cv, p)
	mouth(cv, p)
	blush(cv, p)
	frontHair(cv, p, jit)
	accessories(cv, p)
}

// background fills the whole image with a flat colour or a vertical gradient.
func background(cv *canvas, p *params) {
	img := cv.img
	h := img.Rect.Dy()
	for y := 0; y < h; y++ {
		c := p.bg1
		if p.bgGradient {
			c = p.bg1.mix(p.bg2, float32(y)/float32(max(h-1, 1)))
		}
		col := c.rgba(1)
		row := img.Pix[y*img.Stride : y*img.Stride+4*img.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = col.R, col.G, col.B, 255
		}
	}
}

func hairRx(p *params) float32 { return p.faceW + 0.045 }

func hairInk(p *params) rgb { return p.hair.shade(0.4).mix(p.line, 0.3) }

func skinInk(p *params) rgb { return p.skin.shade(0.5).mix(p.line, 0.35) }

// mirrorSpline appends the right half pts (top to bottom, excluding points
// on the centre line) and their mirror images to form a closed outline that
// starts at top and passes through bottom.
func (cv *canvas) mirrorSpline(top vec, right []vec, bottom vec) {
	cv.sp = append(cv.sp[:0], top)
	cv.sp = append(cv.sp, right...)
	cv.sp = append(cv.sp, bottom)
	for i := len(right) - 1; i >= 0; i-- {
		cv.sp = append(cv.sp, vec{2*cx - right[i].x, right[i].y})
	}
	cv.spline(cv.sp)
}

func backHair(cv *canvas, p *params, jit *[16]float32) {
	if p.hairStyle == hairBald {
		return
	}
	rx := hairRx(p)
	top := float32(hairCy - hairRy)
	back := p.hair.shade(0.78)
	ink := hairInk(p)

	if p.hairStyle == hairPonytail {
		for _, s := range []float32{-1, 1} {
			if p.tailSide != 0 && s != p.tailSide {
				continue
			}
			tail(cv, p, s, back, ink)
		}
	}

	var pts [8]vec
	switch {
	case p.hairStyle == hairLong || (p.hairStyle == hairBangs && p.hairLen > 0.04):
		l := p.hairLen
		pts = [8]vec{
			{cx + rx*0.75, top + 0.05}, {cx + rx + 0.01, 0.38}, {cx + rx + 0.05 + l*0.3, 0.64},
			{cx + rx + 0.07 + l, 0.92}, {cx + rx + 0.06 + l, 1.1}, {cx + 0.2, 1.1},
		}
		cv.mirrorSpline(vec{cx, top}, pts[:6], vec{cx, 1.1})
	case p.hairStyle == hairBob || p.hairStyle == hairBangs:
		pts = [8]vec{
			{cx + rx*0.75, top + 0.05}, {cx + rx + 0.015, 0.40}, {cx + rx + 0.04, 0.63},
			{cx + rx + 0.035, 0.78}, {cx + rx - 0.03, 0.835}, {cx + 0.12, 0.80},
		}
		cv.mirrorSpline(vec{cx, top}, pts[:6], vec{cx, 0.79})
	case p.hairStyle == hairSpiky:
		spikes(cv, p, jit, rx)
	default:
		cv.ellipse(cx, hairCy, rx, hairRy, false)
	}
	strokeFill(cv, back, ink)
}

// strokeFill fills the recorded path with fill and outlines it with ink.
func strokeFill(cv *canvas, fill, ink rgb) {
	n := len(cv.cmds)
	cv.fill(fill, 1)
	// fill cleared the path; replay it from the backing array for the stroke.
	cv.cmds = cv.cmds[:n]
	cv.stroke(ink, 1, lineW)
}

// spikes adds a spiky hair silhouette around the top of the head.
func spikes(cv *canvas, p *params, jit *[16]float32, rx float32) {
	const n = 9
	a0, a1 := math.Pi*0.82, math.Pi*2.18
	at := func(a, k float32) (float32, float32) {
		s, c := math.Sincos(float64(a))
		return cx + rx*k*float32(c), hairCy + hairRy*k*float32(s)
	}
	x, y := at(float32(a0), 0.97)
	cv.moveTo(x, y)
	step := float32(a1-a0) / n
	for i := 0; i < n; i++ {
		a := float32(a0) + step*float32(i)
		tip := a + step*(0.5+0.35*p.sweep)
		k := 1.2 + 0.1*jit[i]
		tx, ty := at(tip, k)
		bx, by := at(a+step*0.35, 1.05)
		cv.quadTo(bx, by, tx, ty)
		nx, ny := at(a+step, 0.97)
		bx, by = at(a+step*0.75, 1.02)
		cv.quadTo(bx, by, nx, ny)
	}
	cv.lineTo(cx, 0.7)
	cv.closePath()
}

// tail draws a ponytail on side s behind the head.
func tail(cv *canvas, p *params, s float32, fill, ink rgb) {
	rx := hairRx(p)
	l := p.hairLen
	x := func(d float32) float32 { return cx + s*(rx+d) }
	cv.sp = append(cv.sp[:0],
		vec{x(-0.03), 0.27}, vec{x(0.06), 0.22}, vec{x(0.14), 0.32},
		vec{x(0.17 + l*0.3), 0.55}, vec{x(0.12 + l*0.4), 0.84 + l}, vec{x(0.06), 0.6},
		vec{x(0.015), 0.40})
	cv.spline(cv.sp)
	strokeFill(cv, fill, ink)
	// Hair tie.
	cv.ellipse(x(0.025), 0.28, 0.022, 0.022, false)
	strokeFill(cv, p.ribbonC, p.line)
}

// body draws the neck and the top of the shirt.
func body(cv *canvas, p *params) {
	ink := skinInk(p)
	cv.moveTo(cx-0.085, 0.68)
	cv.lineTo(cx+0.085, 0.68)
	cv.lineTo(cx+0.095, 1.05)
	cv.lineTo(cx-0.095, 1.05)
	cv.closePath()
	strokeFill(cv, p.skin.shade(0.82), ink)

	cv.moveTo(-0.2, 1.3)
	cv.lineTo(-0.2, 1.02)
	cv.cubeTo(0.05, 0.97, 0.2, 0.95, cx-0.13, 0.935)
	cv.quadTo(cx, 1.04, cx+0.13, 0.935)
	cv.cubeTo(0.8, 0.95, 0.95, 0.97, 1.2, 1.02)
	cv.lineTo(1.2, 1.3)
	cv.closePath()
	strokeFill(cv, p.shirt, p.shirt.shade(0.35).mix(p.line, 0.4))
}

func ears(cv *canvas, p *params) {
	ink := skinInk(p)
	for _, s := range []float32{-1, 1} {
		x := cx + s*(p.faceW+0.005)
		cv.ellipse(x, earY, 0.04, 0.06, false)
		strokeFill(cv, p.skin, ink)
		cv.arc(vec{x + s*0.018, earY - 0.03}, vec{x - s*0.01, earY}, vec{x + s*0.012, earY + 0.03},
			0.01, 0.3, p.skin.shade(0.7), 1)
	}
}

// face draws the face outline for the chosen shape.
func face(cv *canvas, p *params) {
	w := p.faceW
	topY := float32(0.20)
	if p.hairStyle == hairBald {
		topY = 0.16
	}
	// cheek x, jaw x, jaw y, chin x, chin lift per shape.
	var c1, j, jy, ch, cd float32
	switch p.shape {
	case shapeRound:
		c1, j, jy, ch, cd = 0.98, 0.80, 0.74, 0.40, 0.022
	case shapeOval:
		c1, j, jy, ch, cd = 0.94, 0.70, 0.76, 0.32, 0.025
	case shapeSquare:
		c1, j, jy, ch, cd = 1.0, 0.93, 0.76, 0.52, 0.012
	default: // pointy
		c1, j, jy, ch, cd = 0.95, 0.66, 0.735, 0.20, 0.04
	}
	pts := [6]vec{
		{cx + 0.80*w, topY + 0.04}, {cx + w, 0.41}, {cx + w*c1, 0.60},
		{cx + w*j, jy}, {cx + w*ch, p.chinY - cd},
	}
	n := 5
	if p.hairStyle == hairBald {
		// A rounded dome instead of the hidden hairline.
		copy(pts[1:], pts[:5])
		pts[0] = vec{cx + 0.62*w, topY + 0.018}
		pts[1] = vec{cx + 0.94*w, topY + 0.11}
		n = 6
	}
	cv.mirrorSpline(vec{cx, topY}, pts[:n], vec{cx, p.chinY})
	strokeFill(cv, p.skin, skinInk(p))
}

func eyes(cv *canvas, p *params) {
	es := p.eyeSize
	ink := p.line
	for _, s := range []float32{-1, 1} {
		ex, ey := cx+s*p.eyeSep, p.eyeY
		switch p.eye {
		case eyeAnime:
			inner := vec{ex - s*0.058*es, ey - 0.004*es}
			outer := vec{ex + s*0.068*es, ey - 0.016*es}
			upC := vec{ex - s*0.005, ey - 0.115*es}
			// Sclera bounded by the lash curve above and a rounder lid below.
			cv.moveTo(inner.x, inner.y)
			cv.quadTo(upC.x, upC.y, outer.x, outer.y)
			cv.quadTo(ex, ey+0.125*es, inner.x, inner.y)
			cv.closePath()
			cv.fill(rgb{0.99, 0.99, 1}, 1)
			cv.ellipse(ex, ey+0.006*es, 0.040*es, 0.050*es, false)
			cv.fill(p.iris.shade(0.5), 1)
			cv.ellipse(ex, ey+0.017*es, 0.031*es, 0.035*es, false)
			cv.fill(p.iris, 1)
			cv.ellipse(ex, ey+0.032*es, 0.022*es, 0.013*es, false)
			cv.fill(p.iris.mix(white, 0.45), 0.85)
			cv.ellipse(ex, ey+0.006*es, 0.016*es, 0.025*es, false)
			cv.fill(p.iris.shade(0.18), 1)
			cv.ellipse(ex-0.014*es, ey-0.014*es, 0.012*es, 0.012*es, false)
			cv.fill(white, 1)
			cv.ellipse(ex+0.014*es, ey+0.026*es, 0.006*es, 0.006*es, false)
			cv.fill(white, 0.9)
			cv.arc(inner, upC, outer, 0.022*es, 0.35, ink, 1)
			if p.lashes {
				cv.arc(vec{outer.x - s*0.012*es, outer.y}, vec{outer.x + s*0.01*es, outer.y - 0.004},
					vec{outer.x + s*0.024*es, outer.y - 0.022*es}, 0.012*es, 0.2, ink, 1)
			}
			cv.arc(vec{ex + s*0.015*es, ey + 0.058*es}, vec{ex + s*0.05*es, ey + 0.055*es},
				vec{ex + s*0.06*es, ey + 0.025*es}, 0.008*es, 0.3, ink, 0.8)
		case eyeRound:
			cv.ellipse(ex, ey, 0.042*es, 0.05*es, false)
			strokeFill(cv, rgb{0.99, 0.99, 1}, ink)
			cv.ellipse(ex+s*0.004, ey+0.01*es, 0.025*es, 0.028*es, false)
			cv.fill(p.iris, 1)
			cv.ellipse(ex+s*0.004, ey+0.01*es, 0.013*es, 0.015*es, false)
			cv.fill(p.iris.shade(0.15), 1)
			cv.ellipse(ex-0.006*es, ey, 0.007*es, 0.007*es, false)
			cv.fill(white, 1)
			if p.lashes {
				cv.arc(vec{ex - s*0.04*es, ey - 0.02*es}, vec{ex, ey - 0.07*es},
					vec{ex + s*0.05*es, ey - 0.018*es}, 0.014*es, 0.3, ink, 1)
			}
		case eyeDot:
			cv.ellipse(ex, ey, 0.019*es, 0.029*es, false)
			cv.fill(ink, 1)
			cv.ellipse(ex-0.006*es, ey-0.011*es, 0.006*es, 0.006*es, false)
			cv.fill(white, 1)
		case eyeHappy:
			cv.arc(vec{ex - 0.048*es, ey + 0.014}, vec{ex, ey - 0.05*es},
				vec{ex + 0.048*es, ey + 0.014}, 0.016*es, 0.35, ink, 1)
		default: // closed, calm
			cv.arc(vec{ex - 0.05*es, ey - 0.004}, vec{ex, ey + 0.035*es},
				vec{ex + 0.05*es, ey - 0.004}, 0.015*es, 0.35, ink, 1)
			if p.lashes {
				cv.arc(vec{ex + s*0.035*es, ey + 0.006}, vec{ex + s*0.05*es, ey + 0.014},
					vec{ex + s*0.062*es, ey + 0.02}, 0.008*es, 0.3, ink, 1)
			}
		}
	}
}

func brows(cv *canvas, p *params) {
	col := p.hair.shade(0.55).mix(p.line, 0.45)
	if p.hairStyle == hairBald {
		col = p.skin.shade(0.45).mix(p.line, 0.5)
	}
	for _, s := range []float32{-1, 1} {
		ex := cx + s*p.eyeSep
		y := p.browY
		cv.arc(vec{ex - s*0.045, y + p.browTilt}, vec{ex, y - 0.02},
			vec{ex + s*0.05, y + 0.006 - p.browTilt*0.3}, p.browThick, 0.3, col, 1)
	}
}

func nose(cv *canvas, p *params) {
	y := p.noseY
	switch p.nose {
	case noseDot:
		cv.ellipse(cx, y, 0.008, 0.006, false)
		cv.fill(p.skin.shade(0.6), 1)
	case noseLine:
		cv.arc(vec{cx + 0.004, y - 0.035}, vec{cx + 0.012, y - 0.004}, vec{cx - 0.008, y},
			0.009, 0.35, p.skin.shade(0.55), 1)
	}
}

func mouth(cv *canvas, p *params) {
	y, w := p.mouthY, p.mouthW
	ink := p.line.mix(rgb{0.6, 0.1, 0.1}, 0.25)
	inside := rgb{0.55, 0.12, 0.16}
	switch p.mouth {
	case mouthSmile:
		cv.arc(vec{cx - w/2, y - 0.008}, vec{cx, y + 0.035}, vec{cx + w/2, y - 0.008}, 0.012, 0.35, ink, 1)
	case mouthOpen:
		cv.moveTo(cx-w/2, y-0.012)
		cv.quadTo(cx, y-0.004, cx+w/2, y-0.012)
		cv.cubeTo(cx+w*0.45, y+0.05, cx-w*0.45, y+0.05, cx-w/2, y-0.012)
		cv.closePath()
		cv.fill(inside, 1)
		cv.ellipse(cx, y+0.022, w*0.26, 0.011, false)
		cv.fill(rgb{0.95, 0.5, 0.55}, 1)
		cv.moveTo(cx-w/2, y-0.012)
		cv.quadTo(cx, y-0.004, cx+w/2, y-0.012)
		cv.cubeTo(cx+w*0.45, y+0.05, cx-w*0.45, y+0.05, cx-w/2, y-0.012)
		cv.closePath()
		cv.stroke(ink, 1, 0.009)
	case mouthFlat:
		cv.arc(vec{cx - w*0.35, y}, vec{cx, y + 0.006}, vec{cx + w*0.35, y}, 0.011, 0.35, ink, 1)
	case mouthO:
		cv.ellipse(cx, y+0.008, 0.016, 0.02, false)
		cv.fill(inside, 1)
		cv.ellipse(cx, y+0.008, 0.016, 0.02, false)
		cv.stroke(ink, 1, 0.009)
	default: // cat mouth
		cv.arc(vec{cx - w*0.45, y - 0.008}, vec{cx - w*0.22, y + 0.03}, vec{cx, y}, 0.011, 0.35, ink, 1)
		cv.arc(vec{cx, y}, vec{cx + w*0.22, y + 0.03}, vec{cx + w*0.45, y - 0.008}, 0.011, 0.35, ink, 1)
	}
}

func blush(cv *canvas, p *params) {
	pink := rgb{1, 0.42, 0.5}
	for _, s := range []float32{-1, 1} {
		x, y := cx+s*(p.eyeSep+0.015), p.eyeY+0.078
		switch p.blush {
		case blushSoft:
			cv.ellipse(x, y, 0.05, 0.024, false)
			cv.fill(pink, 0.4)
		case blushHatch:
			for k := float32(-1); k <= 1; k++ {
				bx := x + k*0.018
				cv.arc(vec{bx - 0.006, y + 0.013}, vec{bx, y}, vec{bx + 0.006, y - 0.013}, 0.008, 0.5, pink.shade(0.85), 0.8)
			}
		}
	}
}

// fringe adds the front hair: the top of the head plus a lower edge of
// strands over the forehead, with side pieces reaching sideY.
func fringe(cv *canvas, p *params, jit *[16]float32, sideY float32) {
	rx := hairRx(p)
	w := p.faceW
	const k = 0.5522848
	top := float32(hairCy - hairRy)
	// Left side down to up over the top to the right side.
	cv.moveTo(cx-w+0.005, sideY)
	cv.quadTo(cx-rx+0.005, sideY-0.01, cx-rx-0.004, sideY-0.06)
	cv.lineTo(cx-rx, hairCy)
	cv.cubeTo(cx-rx, hairCy-k*hairRy, cx-k*rx, top, cx, top)
	cv.cubeTo(cx+k*rx, top, cx+rx, hairCy-k*hairRy, cx+rx, hairCy)
	cv.lineTo(cx+rx+0.004, sideY-0.06)
	cv.quadTo(cx+rx-0.005, sideY-0.01, cx+w-0.005, sideY)
	// Inner edge of the right side piece up to the temple notch.
	xr, xl := cx+w-0.075, cx-w+0.075
	cv.quadTo(cx+w-0.03, (sideY+strandY)/2, xr, strandY)

	n := p.strands
	depth := float32(0.08)
	sharp := float32(0.5)
	switch p.fringe {
	case fringeBlunt:
		n = 7 + p.strands%3
		depth = 0.018
		sharp = 0.1
	case fringeSpiky:
		depth = 0.11
		sharp = 0.9
	case fringeParted:
		n += n % 2
	}
	step := (xr - xl) / float32(n)
	prev := vec{xr, strandY}
	for i := 0; i < n; i++ {
		var notch vec
		if i == n-1 {
			notch = vec{xl, strandY}
		} else {
			nd := depth * (0.8 + 0.4*jit[i%8])
			if p.fringe == fringeParted && i == n/2-1 {
				nd = p.fringeY - 0.2
			}
			notch = vec{xr - step*float32(i+1), p.fringeY - nd}
		}
		d := (prev.x+notch.x)/2 - cx
		sw := p.sweep
		if p.fringe == fringeParted {
			sw = -float32(math.Copysign(0.8, float64(d)))
		}
		if p.fringe == fringeBlunt {
			sw *= 0.15
		}
		rel := d / w
		tip := vec{
			(prev.x+notch.x)/2 + sw*step*0.6,
			p.fringeY + 0.035*rel*rel + 0.012*(jit[8+i%8]-0.5),
		}
		// Edges bow outward; sharp tips have controls close to the tip line.
		c1 := vec{prev.x + (tip.x-prev.x)*(0.3+0.4*sharp) - sw*0.01, prev.y + (tip.y-prev.y)*0.6}
		c2 := vec{notch.x + (tip.x-notch.x)*(0.3+0.4*sharp) - sw*0.01, notch.y + (tip.y-notch.y)*0.6}
		if sharp < 0.3 {
			// Blunt: flat bottoms.
			c1 = vec{prev.x, tip.y + 0.004}
			c2 = vec{notch.x, tip.y + 0.004}
		}
		cv.quadTo(c1.x, c1.y, tip.x, tip.y)
		cv.quadTo(c2.x, c2.y, notch.x, notch.y)
		prev = notch
	}
	// Inner edge of the left side piece back down.
	cv.quadTo(cx-w+0.03, (sideY+strandY)/2, cx-w+0.005, sideY)
	cv.closePath()
}

func frontHair(cv *canvas, p *params, jit *[16]float32) {
	if p.hairStyle == hairBald {
		// A shine on the head.
		cv.arc(vec{cx - 0.14, 0.25}, vec{cx - 0.1, 0.18}, vec{cx - 0.02, 0.175}, 0.022, 0.3, white, 0.45)
		return
	}
	ink := hairInk(p)
	sideY := float32(0.50)
	switch p.hairStyle {
	case hairLong:
		sideY = 0.60
	case hairBob:
		sideY = 0.72
	case hairBangs:
		sideY = 0.66
	case hairSpiky:
		sideY = 0.48
	}
	// Side locks for long hair framing the face, behind the fringe.
	if p.hairStyle == hairLong || p.hairStyle == hairBangs {
		rx := hairRx(p)
		w := p.faceW
		for _, s := range []float32{-1, 1} {
			tipY := 0.9 + p.hairLen
			if p.hairStyle == hairBangs {
				tipY = p.chinY + 0.02
			}
			cv.moveTo(cx+s*rx, 0.40)
			cv.quadTo(cx+s*(w+0.06), 0.72, cx+s*(w+0.015), tipY)
			cv.quadTo(cx+s*(w-0.035), 0.70, cx+s*(w-0.05), 0.40)
			cv.closePath()
			strokeFill(cv, p.hair, ink)
		}
	}
	fringe(cv, p, jit, sideY)
	strokeFill(cv, p.hair, ink)

	// Glossy highlight band ("angel ring").
	hl := p.hair.mix(white, 0.55)
	rx := hairRx(p)
	for i := 0; i < 3; i++ {
		a0 := math.Pi * (1.22 + 0.2*float64(i))
		a1 := a0 + math.Pi*0.12
		am := (a0 + a1) / 2
		pt := func(a float64, k float32) vec {
			s, c := math.Sincos(a)
			return vec{cx + rx*k*float32(c), hairCy + 0.02 + hairRy*k*float32(s)}
		}
		cv.arc(pt(a0, 0.72), pt(am, 0.76), pt(a1, 0.72), 0.022, 0.2, hl, 0.7)
	}
}

func accessories(cv *canvas, p *params) {
	rx := hairRx(p)
	ink := p.line
	if p.earring && (p.hairStyle == hairShort || p.hairStyle == hairSpiky ||
		p.hairStyle == hairPonytail || p.hairStyle == hairBald) {
		for _, s := range []float32{-1, 1} {
			x := cx + s*(p.faceW+0.02)
			cv.ellipse(x, earY+0.07, 0.014, 0.014, false)
			strokeFill(cv, p.earC, p.earC.shade(0.4))
		}
	}
	if p.glasses {
		es := p.eyeSize
		for _, s := range []float32{-1, 1} {
			ex, ey := cx+s*p.eyeSep, p.eyeY+0.005
			lrx, lry := 0.068*es, 0.058*es
			if p.glassSq {
				lry = 0.048 * es
			}
			cv.ellipse(ex, ey, lrx, lry, false)
			cv.fill(rgb{0.85, 0.92, 1}, 0.2)
			cv.ellipse(ex, ey, lrx, lry, false)
			cv.stroke(p.glassC, 1, 0.011)
			cv.arc(vec{ex + s*lrx, ey - 0.01}, vec{ex + s*(lrx+0.02), ey - 0.02},
				vec{cx + s*(p.faceW+0.01), ey - 0.025}, 0.01, 0.8, p.glassC, 1)
		}
		in := p.eyeSep - 0.068*es
		cv.arc(vec{cx - in, p.eyeY - 0.005}, vec{cx, p.eyeY - 0.03}, vec{cx + in, p.eyeY - 0.005}, 0.01, 0.8, p.glassC, 1)
	}
	switch p.hat {
	case hatCap:
		cv.moveTo(cx-rx-0.015, 0.29)
		cv.cubeTo(cx-rx-0.01, 0.08, cx-0.1, 0.03, cx, 0.03)
		cv.cubeTo(cx+0.1, 0.03, cx+rx+0.01, 0.08, cx+rx+0.015, 0.29)
		cv.quadTo(cx, 0.25, cx-rx-0.015, 0.29)
		cv.closePath()
		strokeFill(cv, p.hatC, p.hatC.shade(0.35).mix(ink, 0.4))
		// Brim.
		cv.moveTo(cx-rx-0.02, 0.29)
		cv.quadTo(cx, 0.23, cx+rx+0.02, 0.29)
		cv.quadTo(cx+rx*0.6, 0.37, cx, 0.37)
		cv.quadTo(cx-rx*0.6, 0.37, cx-rx-0.02, 0.29)
		cv.closePath()
		strokeFill(cv, p.hatC.shade(0.8), p.hatC.shade(0.35).mix(ink, 0.4))
		cv.ellipse(cx, 0.035, 0.018, 0.012, false)
		cv.fill(p.hatC.shade(0.7), 1)
	case hatBeanie:
		cv.moveTo(cx-rx-0.01, 0.3)
		cv.cubeTo(cx-rx, 0.06, cx-0.1, 0.04, cx, 0.04)
		cv.cubeTo(cx+0.1, 0.04, cx+rx, 0.06, cx+rx+0.01, 0.3)
		cv.closePath()
		strokeFill(cv, p.hatC, p.hatC.shade(0.35).mix(ink, 0.4))
		cv.moveTo(cx-rx-0.025, 0.24)
		cv.quadTo(cx, 0.2, cx+rx+0.025, 0.24)
		cv.lineTo(cx+rx+0.02, 0.33)
		cv.quadTo(cx, 0.29, cx-rx-0.02, 0.33)
		cv.closePath()
		strokeFill(cv, p.hatC.shade(0.85), p.hatC.shade(0.35).mix(ink, 0.4))
		cv.ellipse(cx, 0.04, 0.04, 0.035, false)
		strokeFill(cv, p.hatC.mix(white, 0.5), p.hatC.shade(0.35).mix(ink, 0.4))
	}
	if p.ribbon {
		s := p.ribSide
		bx, by := cx+s*(p.faceW*0.78), float32(0.17)
		c := p.ribbonC
		bink := c.shade(0.35).mix(ink, 0.5)
		cv.ellipseRot(bx-0.045, by-0.005, 0.05, 0.03, 0.45, false)
		cv.ellipseRot(bx+0.045, by-0.005, 0.05, 0.03, -0.45, false)
		strokeFill(cv, c, bink)
		cv.ellipse(bx, by, 0.018, 0.018, false)
		strokeFill(cv, c.shade(0.85), bink)
	}
}
