#!/usr/bin/env bash
# Makes the JPEG fixtures of jpegdec's tests from a synthetic picture (no
# real photos): cjpeg (Debian's libjpeg-turbo-progs) in the variants that
# matter to the decoder. Run from this folder: bash make.sh
set -euo pipefail
python3 - <<'PY'
import math
def ppm(name, w, h, grey=False):
    out = bytearray()
    for y in range(h):
        for x in range(w):
            r = int(127 + 120 * math.sin(x / 5.0) * math.cos(y / 7.0))
            g = (x * 255 // max(w - 1, 1) + ((x * 7919 + y * 104729) % 37)) % 256
            b = 255 if (x // 6 + y // 6) % 2 else 30
            if grey:
                out.append((r + g + b) // 3)
            else:
                out += bytes((r, g, b))
    head = b'P5' if grey else b'P6'
    open(name, 'wb').write(head + b'\n%d %d\n255\n' % (w, h) + bytes(out))
ppm('/tmp/jpegdec-a.ppm', 45, 37)
ppm('/tmp/jpegdec-b.pgm', 33, 20, grey=True)
PY
a=/tmp/jpegdec-a.ppm
cjpeg -quality 85 -sample 2x2 "$a" > c420.jpg
cjpeg -quality 85 -sample 2x1 "$a" > c422.jpg
cjpeg -quality 85 -sample 1x1 "$a" > c444.jpg
cjpeg -quality 85 -sample 1x2 "$a" > c440.jpg
cjpeg -quality 85 -sample 4x1 "$a" > c411.jpg
cjpeg -quality 100 -sample 1x1 "$a" > q100.jpg
cjpeg -quality 5 "$a" > q5.jpg
cjpeg -quality 85 -optimize "$a" > optimized.jpg
cjpeg -quality 85 -restart 1B "$a" > restart1.jpg
cjpeg -quality 85 -restart 3B -sample 1x1 "$a" > restart3.jpg
cjpeg -quality 85 -progressive "$a" > progressive.jpg
cjpeg -quality 85 -rgb "$a" > rgb.jpg
cjpeg -quality 85 -arithmetic "$a" > arithmetic.jpg
cjpeg -quality 85 /tmp/jpegdec-b.pgm > grey.jpg
cjpeg -quality 85 -restart 2B /tmp/jpegdec-b.pgm > grey-restart.jpg
rm -f /tmp/jpegdec-a.ppm /tmp/jpegdec-b.pgm
