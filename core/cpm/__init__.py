"""Convolutional Pose Machine for hands: belief maps per stage, trained here by distillation from MediaPipe.

Modules, one job each:

* ``config``: ``CPMConfig``, everything needed to rebuild a model (JSON).
* ``heatmaps``: pure numpy encode/decode between keypoints and belief maps.
* ``model``: the network (shared image features + T refining stages) and its losses.
* ``architectures``: which network a checkpoint holds (by its config's format tag): the CPM, or the
  ResNet-deconv of ``core.resdeconv``, which shares everything below that is not CPM-specific.
* ``checkpoint``: safetensors + JSON save/load with validation (``CheckpointError``), either network.
* ``upright``: the angle that turns a hand upright, for models that read hands upright (MediaPipe-style).
* ``estimator`` (crops through ``core.io.crops``, the one owner of crop geometry): ``CPMEstimator`` (frame + box → ``CPMResult``: keypoints, confidences, beliefs, crop).
* ``views``: MULTI / SINGLE / HM renderings for the Live page.
* ``labels`` (cached teacher labels), ``augment``, ``dataset``, ``validation``,
  ``train``: distillation; ``finetune``: the user's own crops.
* ``annotations``, ``metrics``, ``eval_keypoints``, ``heldout``: PCK against annotated or held-out keypoints.
* ``cli``: ``register(subparsers)`` adds ``train-cpm`` and ``eval-keypoints`` to ``python -m core``;
  ``python -m core.cpm train|eval-keypoints|heldout-json`` works on its own.

Default weights and their model card: ``core/cpm/weights/``.
"""
