// Package explorer is `sample serve`: a local web app for browsing a
// trained generator. The page (embedded; no network needed) shows a grid of
// faces by seed, opens one large with its latent, moves it along GANSpace
// directions (Directions: principal components of the first block's
// activations regressed back to latent space, top 10 by variance), draws
// variations around it, interpolates two faces (strip and looping GIF),
// downloads a face as PNG and its latent as JSON in the format `sample
// --latents` reads, and, for a run folder, shows the same latent at every
// checkpoint of the run.
//
// Endpoints (GET unless noted; every parameter is checked, an unknown or
// repeated one is refused, errors are 400 with a message):
//
//	/                  the page (app.js, style.css beside it)
//	/api/info          JSON: image and latent size, checkpoints, directions,
//	                   limits, attributes (conditional checkpoints only)
//	/api/latent        seed [trunc] -> {"z": LATENT}
//	/api/grid.png      [start n cols ckpt trunc attr]: faces of seeds start.. as one sheet
//	/api/face.png      z [dirs ckpt attr]: one face, z moved by dirs (comma list of shifts)
//	/api/edit          z [dirs] -> {"z": LATENT} moved along the directions
//	/api/variations    z [strength n seed] -> {"z": [LATENT...]}
//	/api/sheet.png     z=L1,L2,... [cols ckpt attr]: faces of the given latents
//	/api/interp.png    a b [steps ckpt attr]: slerp strip from a to b
//	/api/interp.gif    a b [steps delay ckpt attr]: looping GIF, a download
//	/api/latent.json   z [dirs seed]: a latents file, a download
//	POST /api/latents  body: a latents file -> {"z": [LATENT...]}
//
// A LATENT is nz float32 values, little-endian, as unpadded base64url
// (EncodeLatent). ckpt is an index into /api/info's checkpoints: requests
// never name files. attr fixes a conditional checkpoint's attributes
// ("name=value,...", as `sample --attr`; at most sampling.MaxAttrBytes):
// unknown names or values are refused naming the valid ones, attributes
// not named are drawn per latent as without attr; an empty attr is
// ignored, a non-empty one on an unconditional checkpoint refused. Generation runs one request at a time (each uses every
// core) with a bounded queue (503 beyond it); the HTTP server has timeouts,
// and Serve shuts down cleanly when its context ends.
package explorer
