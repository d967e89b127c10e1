#!/usr/bin/python3
"""OpenCV baseline for `zizhu-bench liveness-loop`: the per-frame work of the kiosk's check loop
done with OpenCV on one thread, over the same JPEG recording: read the file, decode to grey, find
faces (alt2) and eyes in each face's top 60 %, and compute the quality gates (frame and face mean
and deviation, variance of the Laplacian on the face crop at 128x128, a fingerprint of the pixels).
It has no state machine and never searches profiles, so it is a lower bound on the same work.

Usage: liveness_loop_opencv.py FRAMES_DIR PASSES FRAMES_PER_PASS
Prints {"frames": N, "seconds": S}.
"""
import json
import os
import sys
import time
import zlib

import cv2
import numpy as np

cv2.setNumThreads(1)
cv2.ocl.setUseOpenCL(False)
CASCADES = "/usr/share/opencv4/haarcascades"
face_cc = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_frontalface_alt2.xml"))
eye_cc = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_eye.xml"))


def check(path):
    with open(path, "rb") as handle:
        data = np.frombuffer(handle.read(), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    zlib.crc32(image.data)  # fingerprint
    cv2.meanStdDev(image)
    for x, y, w, h in face_cc.detectMultiScale(image, scaleFactor=1.1, minNeighbors=5, minSize=(80, 80)):
        roi = np.ascontiguousarray(image[y:y + h * 3 // 5, x:x + w])
        eye_cc.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=3)
        crop = image[y:y + h, x:x + w]
        cv2.meanStdDev(crop)
        cv2.Laplacian(cv2.resize(crop, (128, 128), interpolation=cv2.INTER_LINEAR), cv2.CV_64F, ksize=1).var()


def main():
    folder, passes, per_pass = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    files = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".jpg"))[:per_pass]
    check(files[0])  # warm-up
    start = time.perf_counter()
    for _ in range(passes):
        for path in files:
            check(path)
    seconds = time.perf_counter() - start
    print(json.dumps({"frames": passes * len(files), "seconds": seconds}))


if __name__ == "__main__":
    main()
