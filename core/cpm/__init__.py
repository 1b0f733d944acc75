"""Convolutional Pose Machine for hands: belief maps per stage, trained here by distillation.

Modules, one job each:

* ``config``: ``CPMConfig``, everything needed to rebuild a model (JSON).
* ``heatmaps``: pure numpy encode/decode between keypoints and belief maps.
* ``model``: the network (shared image features + T refining stages).
* ``checkpoint``: safetensors + JSON save/load with validation.
* ``crop``: square hand crops and the affine maps between crop and frame.
* ``estimator``: ``CPMEstimator`` (frame + box → keypoints, confidences, beliefs).
* ``views``: MULTI / SINGLE / HM renderings for the Live page.
* ``labels`` / ``dataset`` / ``train`` / ``finetune``: distillation from MediaPipe.
* ``eval_keypoints``: PCK against COCO-style hand keypoint annotations.
"""
