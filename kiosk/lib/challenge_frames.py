#!/usr/bin/python3
"""Scripted camera recordings for the liveness check tests (Tests/LivenessTests/ChallengePhotoTests.swift).

Builds 640x480 JPEG frame sequences from photos Debian ships (scikit-image's astronaut.png, public
domain, and camera.png, CC0; python3-skimage) the way liveness.md §2.2 describes: approach by
scaling, head turn by shifting (and a real profile from camera.png), blink by covering the eyes
that OpenCV's eye cascade finds with skin sampled from the cheek, an open mouth by darkening the
mouth, darkness by scaling the grey levels, a second person by pasting a smaller face. Every frame
gets fresh seeded sensor noise, as a live camera would. One folder per scenario in OUTDIR, frames
named 0000.jpg, 0001.jpg, … Needs python3-opencv, opencv-data, python3-skimage; run with /usr/bin/python3.

With --demo, writes only the demo camera's recording (see demo_camera below) into OUTDIR itself:
kiosk/demo.sh plays it as `camera.source` with `camera.demo_plan` (come closer, then blink).
Usage: challenge_frames.py OUTDIR | challenge_frames.py --demo OUTDIR
"""
import os
import sys

import cv2
import numpy as np

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
CASCADES = "/usr/share/opencv4/haarcascades"
W, H = 640, 480
# The astronaut's face centre in the source photo: (225, 115); alt2 finds the face at (174,64 102x102).
FACE_CENTRE = (225.0, 115.0)
BASE_SCALE = 2.2  # face box about 219 px: large enough for the kiosk's gate (>= 0.28 x 640)

cv2.setNumThreads(1)


def gray(path):
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def place(image, scale, centre, dx=0, dy=0, fill=110):
    """`image` scaled by `scale` so that source point `centre` lands at the frame centre + (dx, dy)."""
    matrix = np.float32([[scale, 0, W / 2 + dx - centre[0] * scale], [0, scale, H / 2 + dy - centre[1] * scale]])
    return cv2.warpAffine(image, matrix, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


class Recorder:
    def __init__(self, root, name, seed):
        self.folder = os.path.join(root, name)
        os.makedirs(self.folder, exist_ok=True)
        self.count = 0
        self.rng = np.random.default_rng(seed)

    def add(self, frame, times=1):
        for _ in range(times):
            noisy = np.clip(frame.astype(np.float32) + self.rng.normal(0, 2.0, frame.shape), 0, 255).astype(np.uint8)
            cv2.imwrite(os.path.join(self.folder, f"{self.count:04d}.jpg"), noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])
            self.count += 1


FPS = 15  # FileFrameSource's rate, which KioskCamera uses


def demo_camera(recorder, astronaut, neutral, closed):
    """The demo kiosk's camera (KioskCamera.demoPlan: move closer, then blink), 20 s at 15 fps.

    The file camera starts this recording when the check reads its first frame, and plays it in
    real time whatever the check does; the check skips frames while a prompt is being spoken. So
    each action is done late enough, and held or repeated long enough, to fall inside its window
    whether a prompt takes no time (speech off, or no sound card) or as long as espeak-ng says it at
    the kiosk's slowest rate (请慢慢靠近屏幕 4.5 s, 请眨一眨眼睛 3.7 s; the window is 8 s):
      0.0-5.5 s  centred and still: positioned after 0.4 s, then the first prompt;
      5.5-6.5 s  comes closer (face box 1.36x as wide; 1.25x counts, about 6.2 s); close until 8.0 s;
      8.0-9.0 s  back to where they stood;
      10, 12.5 and 15 s  blinks with the eyes shut 0.6 s: the window opens 6.2-12 s and any blink
                 inside it counts; a slow check (a debug build analyses 3-4 frames a second, the
                 camera drops the rest) still sees the eyes shut;
      to 20 s    still (the check has ended by then; past the end the camera is gone).
    """
    def seconds(duration):
        return round(duration * FPS)

    recorder.add(neutral, seconds(5.5))
    ramp = seconds(1.0)
    for index in range(1, ramp + 1):
        recorder.add(place(astronaut, BASE_SCALE + (3.0 - BASE_SCALE) * index / ramp, FACE_CENTRE))
    close = place(astronaut, 3.0, FACE_CENTRE)
    recorder.add(close, seconds(1.5))
    for index in range(1, ramp + 1):
        recorder.add(place(astronaut, 3.0 - (3.0 - BASE_SCALE) * index / ramp, FACE_CENTRE))
    for blink_at in (10.0, 12.5, 15.0):
        recorder.add(neutral, seconds(blink_at) - recorder.count)
        recorder.add(closed, seconds(0.6))
    recorder.add(neutral, seconds(20.0) - recorder.count)


def main():
    demo_only = len(sys.argv) == 3 and sys.argv[1] == "--demo"
    if len(sys.argv) != 2 and not demo_only:
        raise SystemExit(__doc__)
    root = sys.argv[-1]
    astronaut = gray(f"{SKIMAGE_DATA}/astronaut.png")
    camera = gray(f"{SKIMAGE_DATA}/camera.png")
    face = cv2.CascadeClassifier(f"{CASCADES}/haarcascade_frontalface_alt2.xml")
    eye = cv2.CascadeClassifier(f"{CASCADES}/haarcascade_eye.xml")

    neutral = place(astronaut, BASE_SCALE, FACE_CENTRE)
    faces = face.detectMultiScale(neutral, 1.1, 5, minSize=(80, 80))
    if len(faces) != 1:
        raise SystemExit(f"expected one face in the neutral frame, found {faces}")
    fx, fy, fw, fh = faces[0]

    # Blink: the two largest eye hits in the face's top 60 %, covered with cheek skin and a lash line.
    region = neutral[fy:fy + fh * 3 // 5, fx:fx + fw]
    eyes = sorted(eye.detectMultiScale(region, 1.1, 3), key=lambda e: -e[2])[:2]
    if len(eyes) != 2:
        raise SystemExit(f"expected two eyes, found {eyes}")
    closed = neutral.copy()
    cheek = float(neutral[fy + fh * 62 // 100:fy + fh * 72 // 100, fx + fw * 25 // 100:fx + fw * 40 // 100].mean())
    for ex, ey, ew, eh in eyes:
        x0, y0 = fx + ex, fy + ey
        mask = np.zeros_like(neutral, np.float32)
        cv2.ellipse(mask, (int(x0 + ew / 2), int(y0 + eh / 2)), (int(ew * 0.55), int(eh * 0.42)), 0, 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), 3)
        closed = (closed * (1 - mask) + cheek * mask).astype(np.uint8)
        cv2.line(closed, (x0 + ew // 5, y0 + eh // 2 + 2), (x0 + ew * 4 // 5, y0 + eh // 2 + 2), int(cheek * 0.45), 2)

    if demo_only:
        demo_camera(Recorder(root, "", 6), astronaut, neutral, closed)
        return

    # Open mouth: a dark, feathered oval where alt2's box keeps the mouth (MouthCue.region).
    opened = neutral.copy()
    mask = np.zeros_like(neutral, np.float32)
    cv2.ellipse(mask, (int(fx + fw * 0.5), int(fy + fh * 0.82)), (int(fw * 0.13), int(fh * 0.08)), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 2)
    opened = (opened * (1 - mask) + 25 * mask).astype(np.uint8)

    # A second, smaller person at the edge of the frame.
    crowd = neutral.copy()
    small = place(astronaut, 1.0, FACE_CENTRE)[H // 2 - 75:H // 2 + 75, W // 2 - 75:W // 2 + 75]
    crowd[10:160, 480:630] = small

    # Live: too far first, then blink, move closer, turn left (the face moves to the image's right).
    live = Recorder(root, "live_blink_closer_turn", 1)
    live.add(place(astronaut, 1.4, FACE_CENTRE), 4)
    live.add(neutral, 10)
    live.add(closed, 2)
    live.add(neutral, 4)
    for scale in (2.3, 2.45, 2.6, 2.75, 2.9, 3.0):
        live.add(place(astronaut, scale, FACE_CENTRE))
    for scale in (2.7, 2.4):
        live.add(place(astronaut, scale, FACE_CENTRE))
    live.add(neutral, 4)
    for dx in (20, 40, 60, 80, 90):
        live.add(place(astronaut, BASE_SCALE, FACE_CENTRE, dx=dx))
    live.add(neutral, 4)

    # The same person doing it in another order: turn left first, then blink.
    other = Recorder(root, "turn_then_blink", 2)
    other.add(neutral, 10)
    for dx in (20, 40, 60, 80, 100, 110):
        other.add(place(astronaut, BASE_SCALE, FACE_CENTRE, dx=dx))
    other.add(neutral, 6)
    other.add(closed, 2)
    other.add(neutral, 4)

    # A real profile for the turn (camera.png; OpenCV's profile cascade finds it), then the mouth.
    profile = Recorder(root, "profile_turn_mouth", 3)
    profile.add(neutral, 10)
    profile.add(place(camera, 1.6, (210.0, 150.0)), 3)
    profile.add(neutral, 6)
    profile.add(opened, 3)
    profile.add(neutral, 3)

    # A still photo held in front of the camera: noise, nothing else.
    still = Recorder(root, "still_photo", 4)
    still.add(neutral, 120)

    # Problems the citizen must hear about.
    dark = Recorder(root, "too_dark_then_two_faces", 5)
    dark.add((neutral * 0.22).astype(np.uint8), 5)
    dark.add(crowd, 5)
    dark.add(neutral, 2)

    # The demo kiosk's camera, as kiosk/demo.sh plays it.
    demo_camera(Recorder(root, "demo_camera", 6), astronaut, neutral, closed)

    print(f"face {faces[0].tolist()} eyes {[e.tolist() for e in eyes]}")


if __name__ == "__main__":
    main()
