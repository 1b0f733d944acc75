"""Gestures from a handteach ONNX file with MediaPipe and onnxruntime alone (docs/export.md).

pip install mediapipe onnxruntime opencv-python
python onnx_webcam.py --model gestures.onnx                 # camera 0
python onnx_webcam.py --model gestures.onnx --video clip.mp4
"""

import argparse
import json

import cv2
import mediapipe as mp
import numpy as np
import onnxruntime as ort

parser = argparse.ArgumentParser(description="print the gesture of each hand (or person) in each frame")
parser.add_argument("--model", default="gestures.onnx", help="written by `python -m core export-onnx`")
parser.add_argument("--video", help="a video file (default: camera 0)")
args = parser.parse_args()

session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
meta = {key: json.loads(value) for key, value in session.get_modelmeta().custom_metadata_map.items()}
body = meta["skeleton"] == "body"  # a body model reads MediaPipe Pose's 33 landmarks and their visibility
detector = mp.solutions.pose.Pose() if body else mp.solutions.hands.Hands(max_num_hands=2)
capture = cv2.VideoCapture(args.video or 0)
frame = 0
while True:
    ok, bgr = capture.read()
    if not ok:
        break
    height, width = bgr.shape[:2]
    found = detector.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))  # the unmirrored frame, as the camera gives it
    people = ([found.pose_landmarks] if found.pose_landmarks else []) if body else (found.multi_hand_landmarks or [])
    if people:
        feeds = {
            "landmarks": np.array([[(p.x, p.y, p.z) for p in person.landmark] for person in people], np.float32),
            "image_size": np.array([width, height], np.float32),
        }
        if "visibility" in meta["inputs"]:  # body models that learned which joints are hidden
            feeds["visibility"] = np.array([[p.visibility for p in person.landmark] for person in people], np.float32)
        probabilities, best, known = session.run(["probabilities", "class_index", "known"], feeds)
        for n, (row, index) in enumerate(zip(probabilities, best, strict=True)):
            label = meta["classes"][index] if known[n] else "unknown"  # the app's own decision
            print(f"frame {frame} hand {n}: {label} {row[index]:.4f} {meta['emoji'][index]}", flush=True)
    frame += 1
