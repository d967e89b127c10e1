#!/usr/bin/python3
"""OpenCV oracle for the Swift cascade detector (Tests/LivenessTests/CascadeOracleTests.swift).

Writes greyscale test frames made from photos Debian ships (scikit-image's astronaut.png and
camera.png; opencv-doc's basketball1.png and messi5.jpg when installed) as PGM files into
OUTDIR, runs cv2.CascadeClassifier.detectMultiScale on them with Debian's cascades, and writes
OUTDIR/cases.json: per case the raw candidates (minNeighbors=0) and the grouped output for
several minNeighbors, plus the kiosk pipeline (faces, eyes in the top 60 % of each face,
profiles both ways). Needs python3-opencv, opencv-data and python3-skimage; run with
/usr/bin/python3. Usage: face_oracle.py OUTDIR [--frames-only]
"""
import json
import os
import random
import sys

import cv2
import numpy as np

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
OPENCV_DOC_DATA = "/usr/share/doc/opencv-doc/examples/data"
CASCADES = "/usr/share/opencv4/haarcascades"

cv2.setNumThreads(1)
cv2.ocl.setUseOpenCL(False)


def gray(path):
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def canvas(image, width, height, fill=128):
    """`image` centred on a width×height grey canvas (cropped if larger)."""
    out = np.full((height, width), fill, np.uint8)
    h, w = image.shape
    sx, dx = max(0, (w - width) // 2), max(0, (width - w) // 2)
    sy, dy = max(0, (h - height) // 2), max(0, (height - h) // 2)
    cw, ch = min(w, width), min(h, height)
    out[dy:dy + ch, dx:dx + cw] = image[sy:sy + ch, sx:sx + cw]
    return out


def frames():
    """The test frames, name -> 8-bit grey image. Deterministic."""
    astronaut = gray(os.path.join(SKIMAGE_DATA, "astronaut.png"))
    camera = gray(os.path.join(SKIMAGE_DATA, "camera.png"))
    out = {
        "astronaut-512": astronaut,
        "astronaut-320": cv2.resize(astronaut, (320, 320), interpolation=cv2.INTER_AREA),
        "astronaut-333x401": cv2.resize(astronaut, (333, 401), interpolation=cv2.INTER_AREA),
        "camera-512": camera,
        # Kiosk-like 640×480 frames (liveness.md §3): A = the whole photo at 480 px on a grey
        # canvas (face ≈ 89 px); B = a close-up, face ≈ 212 px, as a citizen stands at the kiosk.
        "frame-a": canvas(cv2.resize(astronaut, (480, 480), interpolation=cv2.INTER_AREA), 640, 480),
    }
    big = cv2.resize(astronaut, (1126, 1126), interpolation=cv2.INTER_LINEAR)
    out["frame-b"] = np.ascontiguousarray(big[80:560, 180:820])
    basketball = os.path.join(OPENCV_DOC_DATA, "basketball1.png")
    if os.path.exists(basketball):
        out["basketball1"] = gray(basketball)
    messi = os.path.join(OPENCV_DOC_DATA, "messi5.jpg")
    if os.path.exists(messi):
        out["messi5"] = gray(messi)
    return out


def rects(found):
    return [[int(v) for v in r] for r in (found if len(found) else [])]


def detect(cascade, image, scale_factor, neighbours, min_size=(0, 0), max_size=(0, 0)):
    return rects(cascade.detectMultiScale(image, scaleFactor=scale_factor, minNeighbors=neighbours,
                                          minSize=min_size, maxSize=max_size))


def eye_region(face):
    x, y, w, h = face
    return x, y, w, h * 3 // 5


def kiosk_pipeline(face_cc, eye_cc, profile_cc, image):
    faces = []
    for face in detect(face_cc, image, 1.1, 5, (80, 80)):
        x, y, w, h = eye_region(face)
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(image.shape[1], x + w), min(image.shape[0], y + h)
        eyes = []
        if x1 > x0 and y1 > y0:
            roi = np.ascontiguousarray(image[y0:y1, x0:x1])
            eyes = [[ex + x0, ey + y0, ew, eh] for ex, ey, ew, eh in detect(eye_cc, roi, 1.1, 3)]
        faces.append({"face": face, "eyes": eyes})
    left = detect(profile_cc, image, 1.1, 3, (80, 80))
    mirrored = np.ascontiguousarray(cv2.flip(image, 1))
    width = image.shape[1]
    right = [[width - x - w, y, w, h] for x, y, w, h in detect(profile_cc, mirrored, 1.1, 3, (80, 80))]
    return {"faces": faces, "profilesLeft": left, "profilesRight": right}


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    images = frames()
    for name, image in images.items():
        cv2.imwrite(os.path.join(outdir, name + ".pgm"), image)
    if "--frames-only" in sys.argv:
        return

    def cascade(name):
        cc = cv2.CascadeClassifier(os.path.join(CASCADES, name))
        if cc.empty():
            raise SystemExit(f"OpenCV cannot load {name}")
        return cc

    loaded = {}
    cases = []

    def case(image_name, cascade_name, scale_factor=1.1, min_size=(0, 0), max_size=(0, 0), neighbours=(0, 3)):
        if image_name not in images:
            return
        if cascade_name not in loaded:
            loaded[cascade_name] = cascade(cascade_name)
        cc = loaded[cascade_name]
        image = images[image_name]
        results = {str(n): detect(cc, image, scale_factor, n, min_size, max_size) for n in neighbours}
        cases.append({"image": image_name, "cascade": cascade_name, "scaleFactor": scale_factor,
                      "minSize": list(min_size), "maxSize": list(max_size), "results": results})

    alt2 = "haarcascade_frontalface_alt2.xml"
    default = "haarcascade_frontalface_default.xml"
    eye = "haarcascade_eye.xml"
    glasses = "haarcascade_eye_tree_eyeglasses.xml"
    profile = "haarcascade_profileface.xml"
    # Depth-2 trees (alt2) on every frame, all scales, then at the kiosk's settings.
    for name in images:
        case(name, alt2)
    for name in ["frame-a", "frame-b", "basketball1"]:
        case(name, alt2, 1.1, (80, 80), (0, 0), (0, 5))
    # Other scale factors: 2.0 makes an exact 2× level (the INTER_AREA shortcut), 1.3 with a
    # maximum size stops early, 1.05 is dense.
    case("frame-a", alt2, 2.0)
    case("frame-b", alt2, 1.3, (60, 60), (300, 300))
    case("astronaut-320", alt2, 1.05)
    # A minimum size no scale reaches exactly: the nearest scale is taken.
    case("frame-b", alt2, 1.1, (215, 215), (215, 215))
    # Stumps (frontalface_default, 24×24), eyes (stumps), eyeglasses (depth-3 trees, tilted
    # features), profile.
    for name in ["astronaut-512", "frame-a", "basketball1", "messi5"]:
        case(name, default)
    for name in ["astronaut-320", "messi5"]:
        case(name, eye)
    for name in ["astronaut-320", "frame-b", "messi5"]:
        case(name, glasses)
    case("camera-512", profile)
    case("astronaut-333x401", profile)

    # Seeded random crops, resamplings, cascades (non-square windows and tilted features
    # included) and parameters, so cases nobody chose by hand are compared too.
    rng = random.Random(20261201)
    extra = [alt2, default, eye, glasses, profile, "haarcascade_frontalface_alt.xml", "haarcascade_smile.xml",
             "haarcascade_upperbody.xml", "haarcascade_lefteye_2splits.xml"]
    photos = sorted(images)
    for index in range(30):
        source = images[rng.choice(photos)]
        height, width = source.shape
        crop_width, crop_height = rng.randint(40, width), rng.randint(40, height)
        x, y = rng.randint(0, width - crop_width), rng.randint(0, height - crop_height)
        factor = rng.uniform(0.3, 1.0)
        size = (max(30, int(crop_width * factor)), max(30, int(crop_height * factor)))
        interpolation = rng.choice([cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC])
        name = f"random-{index}"
        images[name] = cv2.resize(source[y:y + crop_height, x:x + crop_width], size, interpolation=interpolation)
        cv2.imwrite(os.path.join(outdir, name + ".pgm"), images[name])
        case(name, rng.choice(extra), rng.choice([1.05, 1.1, 1.2, 1.3, 1.5, 2.0]),
             rng.choice([(0, 0), (0, 0), (30, 30), (50, 40)]), rng.choice([(0, 0), (0, 0), (120, 120)]), (0, 2, 3))

    face_cc, eye_cc, profile_cc = cascade(alt2), cascade(eye), cascade(profile)
    pipelines = {name: kiosk_pipeline(face_cc, eye_cc, profile_cc, images[name])
                 for name in ["frame-a", "frame-b", "camera-512", "basketball1"] if name in images}
    # The pyramid's resize on its own: INTER_LINEAR_EXACT down, the exact-half INTER_AREA
    # shortcut, odd sizes, a copy, an upscale, a one-pixel edge.
    resizes = []
    for source, sizes in [("frame-b", [(582, 436), (320, 240), (529, 397), (291, 218), (35, 26), (700, 500)]),
                          ("astronaut-333x401", [(302, 365), (166, 200), (333, 401), (17, 20), (333, 1), (1, 401)])]:
        for width, height in sizes:
            name = f"resize-{source}-{width}x{height}"
            cv2.imwrite(os.path.join(outdir, name + ".pgm"),
                        cv2.resize(images[source], (width, height), interpolation=cv2.INTER_LINEAR_EXACT))
            resizes.append({"source": source, "width": width, "height": height, "file": name})
    # Integral images (sum, squared sum, 45° tilted) of a small crop.
    crop = np.ascontiguousarray(images["frame-b"][150:179, 300:341])
    cv2.imwrite(os.path.join(outdir, "integral-crop.pgm"), crop)
    sums, squares, tilted = cv2.integral3(crop, sdepth=cv2.CV_32S, sqdepth=cv2.CV_64F)
    integrals = {"file": "integral-crop", "sums": sums.flatten().tolist(),
                 "squares": [int(v) for v in squares.flatten()], "tilted": tilted.flatten().tolist()}
    with open(os.path.join(outdir, "cases.json"), "w") as out:
        json.dump({"opencv": cv2.__version__, "cases": cases, "pipelines": pipelines,
                   "resizes": resizes, "integrals": integrals}, out)


if __name__ == "__main__":
    main()
