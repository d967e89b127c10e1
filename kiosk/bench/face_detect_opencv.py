#!/usr/bin/python3
"""OpenCV baseline for `zizhu-bench face-detect`: the kiosk's face + eyes detection with
cv2.CascadeClassifier on one thread, over the PGM frames in a folder.

Usage: face_detect_opencv.py FRAMES_DIR ITERATIONS FRAME...
Prints one JSON object per frame: {"frame", "seconds": [...] (wall), "cpuSeconds": [...]
(this thread's CPU time, steadier on a shared machine), "faces": [{"face": [x,y,w,h], "eyes": [[x,y,w,h]...]}]}.
Settings match Liveness.DetectionSettings.kioskFace / .kioskEyes and FaceFinder.eyeRegion.
"""
import json
import os
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)
cv2.ocl.setUseOpenCL(False)
CASCADES = "/usr/share/opencv4/haarcascades"
face_cc = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_frontalface_alt2.xml"))
eye_cc = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_eye.xml"))


def face_and_eyes(image):
    found = []
    for x, y, w, h in face_cc.detectMultiScale(image, scaleFactor=1.1, minNeighbors=5, minSize=(80, 80)):
        roi = np.ascontiguousarray(image[y:y + h * 3 // 5, x:x + w])
        eyes = [[int(ex + x), int(ey + y), int(ew), int(eh)]
                for ex, ey, ew, eh in eye_cc.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=3)]
        found.append({"face": [int(x), int(y), int(w), int(h)], "eyes": eyes})
    return found


def main():
    directory, iterations, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    for name in names:
        image = cv2.imread(os.path.join(directory, name + ".pgm"), cv2.IMREAD_GRAYSCALE)
        for _ in range(3):
            found = face_and_eyes(image)
        seconds, cpu_seconds = [], []
        for _ in range(iterations):
            start, cpu_start = time.perf_counter(), time.thread_time()
            face_and_eyes(image)
            cpu_seconds.append(time.thread_time() - cpu_start)
            seconds.append(time.perf_counter() - start)
        print(json.dumps({"frame": name, "seconds": seconds, "cpuSeconds": cpu_seconds, "faces": found}), flush=True)


if __name__ == "__main__":
    main()
