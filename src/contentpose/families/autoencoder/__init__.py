"""Content/pose autoencoders (DrNet, MIPAE): a content encoder, a pose encoder and a decoder, trained
to redraw frame t+k from the content of frame t and the pose of frame t+k, with a penalty that keeps
content out of the pose. Parts: objectives/content_pose.py (drnet.py, mipae.py), models/architectures/ (one
module per model.architecture), eval/protocols/autoencoder.py (swaps, reconstruction, disentanglement,
prediction), viz/ (analogy, interpolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from contentpose.errors import UserError
from contentpose.families.family import Family

if TYPE_CHECKING:
    from contentpose.config import Config


Architecture = Literal["dcgan", "dcgan_unet", "keypoints", "keypoint_warp", "glimpses", "glimpses_unet", "motion"]
KEYPOINT_ARCHITECTURES = ("keypoints", "keypoint_warp", "glimpses", "glimpses_unet", "motion")
SKIP_ARCHITECTURES = ("dcgan_unet", "keypoint_warp", "glimpses_unet", "motion")


@dataclass
class AutoencoderModel:
    content_dim: int = 128
    pose_dim: int = 5
    width: int = 64  # channels of the first conv block (doubles per block, max 8x)
    architecture: Architecture = (
        "dcgan"  # dcgan: DrNet's encoders and decoder, pose a vector of pose_dim (the paper's);
        # dcgan_unet: the decoder also takes skips from the content frame's encoder (DrNet's U-Net variant);
        # keypoints: pose as pose_dim/2 points (spatial softmax) drawn as maps by the decoder;
        # keypoint_warp: keypoints, and the decoder moves the content frame's features from its own
        #   points to the pose's (Monkey-Net's idea, translations only);
        # glimpses: the frame drawn as one patch per point, decoded from a window of the content frame
        #   centred on that point and pasted at the pose's point (objects on black; the content is the
        #   windows' codes, content_dim / (pose_dim / 2) each);
        # glimpses_unet: glimpses whose window encoder passes its feature maps to the patch's decoder;
        # motion: the general one: pose_dim/6 keypoints with local affine Jacobians; a dense motion
        #   network moves the content frame's feature maps to the pose, with an occlusion map (FOMM's design)
    )
    content_pool: bool = False  # content encoder ends in a max over positions (little position in content)
    content_encoder: Literal["dcgan", "palette"] = (
        "dcgan"  # content encoder: DCGAN's conv stack, or palette (each pixel's colour and row, a max over
        # positions: no column layout, so not which way a character faces)
    )
    palette_frequencies: int = 0  # palette: each colour and row also enters as sin, cos of 2^k pi v, k < this
    keypoint_coords: bool = False  # keypoint pose: cells are scored knowing their x, y (tells alike objects apart)
    keypoint_separation: float = 0.0  # keypoint pose: point k avoids points 1..k-1 (a Gaussian of this width,
    # in frame widths, scales its softmax down near them), so alike objects get one point each; 0: off
    glimpse_window: int = 0  # glimpses: each window's side in frame pixels (0: half the frame)
    pose_input: Literal["frame", "silhouette"] = (
        "frame"  # what the pose encoder sees: the frame, or its silhouette (1 where any channel is above
        # 0.05; for objects on black), so the pose cannot carry colours
    )
    pixel_warp: bool = False  # motion: the output blends the content frame's own pixels, moved by the dense
    # motion, with the drawn frame by a mask the decoder draws (sharp where the motion holds)
    first_block_norm: bool = False  # BatchNorm in the encoders' first conv block too (the published DrNet code's)
    disc_hidden: int = 100  # DrNet's scene discriminator
    critic_hidden: int = 512  # MIPAE's mutual-information critic

    @property
    def pose_head(self) -> str:
        """ "keypoints" (points read by a spatial softmax) or "vector" (DrNet's)."""
        return "keypoints" if self.architecture in KEYPOINT_ARCHITECTURES else "vector"

    @property
    def content_skips(self) -> bool:
        """Whether the decoder reads the content frame's feature maps (U-Net skips, moved features)."""
        return self.architecture in SKIP_ARCHITECTURES

    @property
    def keypoint_glimpses(self) -> bool:
        return self.architecture.startswith("glimpses")

    def __post_init__(self):
        arch = f"model.architecture={self.architecture}"
        if self.architecture == "motion" and self.pose_dim % 6 and self.pose_dim > 0:  # <= 0: refused with sizes
            raise UserError(f"{arch} needs model.pose_dim a multiple of 6 (x, y and a 2 x 2 Jacobian per keypoint)")
        if self.pose_head == "keypoints" and self.pose_dim % 2 and self.pose_dim > 0:
            raise UserError(f"{arch} needs an even model.pose_dim (x and y of each keypoint)")
        if self.palette_frequencies < 0:
            raise UserError(f"model.palette_frequencies must be 0 or more; got {self.palette_frequencies}")
        if self.palette_frequencies and self.content_encoder != "palette":
            raise UserError("model.palette_frequencies is for model.content_encoder=palette")
        if self.content_pool and self.content_encoder != "dcgan":
            raise UserError("model.content_pool is for the DCGAN content encoder; the palette encoder pools already")
        if self.content_encoder == "palette" and self.content_skips:
            raise UserError(f"model.content_encoder=palette has no feature maps to pass on, which {arch} reads")
        if (self.keypoint_separation or self.keypoint_coords) and self.pose_head != "keypoints":
            raise UserError(f"model.keypoint_separation and model.keypoint_coords are for keypoint pose, not {arch}")
        if self.keypoint_separation and self.architecture == "motion":
            raise UserError(f"model.keypoint_separation is not read by {arch}: its points are read in one softmax")
        if self.keypoint_separation < 0:
            raise UserError(f"model.keypoint_separation must be 0 or more; got {self.keypoint_separation}")
        if self.glimpse_window < 0 or (self.glimpse_window and not self.keypoint_glimpses):
            raise UserError(f"model.glimpse_window must be 0 or more, and above 0 needs glimpses, not {arch}")
        if self.keypoint_glimpses and (self.content_pool or self.content_encoder != "dcgan" or self.first_block_norm):
            raise UserError(
                f"{arch} reads content with its own window encoder: set model.content_pool=false,"
                " model.content_encoder=dcgan and model.first_block_norm=false"
            )
        if self.architecture == "motion" and (self.content_pool or self.first_block_norm):
            raise UserError(
                f"{arch} builds its own encoders (an hourglass, a three-scale feature encoder): set"
                " model.content_pool=false and model.first_block_norm=false"
            )
        if self.pixel_warp and self.architecture != "motion":
            raise UserError(
                f"model.pixel_warp moves pixels by the dense motion of model.architecture=motion, not {arch}"
            )
        if self.keypoint_glimpses and self.pose_dim > 1 and self.content_dim % (self.pose_dim // 2):
            raise UserError(
                f"{arch} splits model.content_dim ({self.content_dim}) into one code per"
                f" point: it must be a multiple of the {self.pose_dim // 2} points"
            )


def upgrade(raw: dict) -> None:
    """A saved config of an earlier version, in place: its three switches (content_skips, pose_head,
    keypoint_glimpses) become the one `architecture` they described."""
    model = raw.get("model")
    if not isinstance(model, dict) or not {"content_skips", "pose_head", "keypoint_glimpses"} & set(model):
        return
    skips, keypoints = bool(model.pop("content_skips", False)), model.pop("pose_head", "vector") == "keypoints"
    glimpses = bool(model.pop("keypoint_glimpses", False))
    base = "glimpses" if glimpses else "keypoint_warp" if keypoints and skips else "keypoints" if keypoints else "dcgan"
    model.setdefault("architecture", base + ("_unet" if skips and base in ("dcgan", "glimpses") else ""))


# The pose penalty's weight as published, used where objective.beta is not given: DrNet's adversarial
# term 0.1 (Moving MNIST; 1e-4 for KTH), MIPAE's mutual information 1e-4.
PUBLISHED_BETA = {"drnet": 0.1, "mipae": 1e-4}


@dataclass
class AutoencoderObjective:
    name: Literal["drnet", "mipae"] = "drnet"  # the pose penalty: DrNet's scene discriminator, MIPAE's critic
    alpha: float = 1.0  # weight of the content similarity loss
    beta: float | None = None  # weight of the pose penalty; unset: the objective's published one (PUBLISHED_BETA)
    rec_loss: Literal["mse", "bce"] = "mse"  # reconstruction error: mse (the paper's) or bce
    sim_loss: Literal["mse", "scaled"] = (
        "mse"  # content similarity: mse (the paper's) or scaled (by the batch variance)
    )
    centring: float = 0.0  # keypoint pose, objects on black: weight of a pull of each point toward the ink
    # around it (one mean-shift step, objectives/centring.py), so points sit at objects' centres; 0: off
    equivariance: float = 0.0  # keypoint pose: weight of First Order Motion Model's equivariance loss (points,
    # and Jacobians, follow a random affine warp of the frame; objectives/equivariance.py); 0: off
    coverage: float = 0.0  # keypoint pose: weight of the share of the pair's motion that no point is near
    # (objectives/coverage.py), which sends spare points to moving things no point holds yet; 0: off
    detach_second: bool = False  # drnet-py's detach: the similarity and the pose penalty get no gradient
    # through the content and pose of the frame that the reconstruction does not use
    content_flip: bool = False  # mirror a random half of the content frames: content cannot hold which way
    # the scene faces (for sprites, whose facing is constant within a clip but is motion, not content)

    def __post_init__(self):
        if self.beta is None:  # resolved here, once, and written so into the run's config.yaml
            self.beta = PUBLISHED_BETA[self.name]

    def losses(self) -> list[str]:
        """The loss terms the run trains with (those of weight 0 left out), named so that a run without
        DrNet's similarity term or adversary is not read as "DrNet"."""
        terms = [f"reconstruction ({self.rec_loss})"]
        if self.alpha > 0:
            terms.append(f"content similarity ({self.sim_loss}, alpha {self.alpha:g})")
        if self.beta > 0:
            penalty = "scene discriminator (DrNet)" if self.name == "drnet" else "mutual-information critic (MIPAE)"
            terms.append(f"pose penalty: {penalty}, beta {self.beta:g}")
        if self.centring > 0:
            terms.append(f"keypoint centring ({self.centring:g})")
        if self.equivariance > 0:
            terms.append(f"keypoint equivariance ({self.equivariance:g})")
        if self.coverage > 0:
            terms.append(f"keypoint coverage of motion ({self.coverage:g})")
        return terms


def check(cfg: Config) -> None:
    """Rules between the model and the data."""
    model = cfg.model
    if model.keypoint_glimpses and cfg.data.frame_size < 64:
        raise UserError(
            f"model.architecture={model.architecture} reads windows at half the frame, at least 32 px: it needs"
            f" data.frame_size 64 or more, not {cfg.data.frame_size}"
        )
    if model.glimpse_window > cfg.data.frame_size:
        raise UserError(
            f"model.glimpse_window ({model.glimpse_window}) is wider than the frame ({cfg.data.frame_size} px)"
        )
    if model.keypoint_glimpses and cfg.data.background != "none":
        raise UserError(
            f"model.architecture={model.architecture} draws objects on black: it needs data.background=none"
        )
    for key in ("equivariance", "coverage"):
        if getattr(cfg.objective, key) and (model.pose_head != "keypoints" or model.keypoint_glimpses):
            raise UserError(
                f"objective.{key} is a loss on keypoints: it needs model.architecture keypoints, keypoint_warp"
                f" or motion, not {model.architecture}"
            )
    if cfg.objective.centring and (
        model.pose_head != "keypoints" or model.architecture == "motion" or cfg.data.background != "none"
    ):
        raise UserError(
            "objective.centring pulls keypoints toward bright pixels on black: it needs a keypoint"
            " model.architecture and data.background=none"
        )
    if model.pose_input == "silhouette" and cfg.data.background != "none":
        raise UserError(
            "model.pose_input=silhouette finds objects as pixels brighter than black: it needs data.background=none"
        )


FAMILY = Family(
    name="autoencoder",
    noun="a content/pose autoencoder",
    model=AutoencoderModel,
    objective=AutoencoderObjective,
    objectives={"drnet": "contentpose.objectives.drnet:DrNet", "mipae": "contentpose.objectives.mipae:MIPAE"},
    loaded="contentpose.trained:TrainedRun",
    evaluate="contentpose.eval.protocols.autoencoder:evaluate_autoencoders",
    result="contentpose.eval.protocols.autoencoder:AutoencoderResult",
    report="contentpose.viz.html_report:autoencoder_sections",
    verbs={
        "predict": "contentpose.families.autoencoder.commands:predict",
        "transfer": "contentpose.families.autoencoder.commands:transfer",
        "analogy": "contentpose.families.autoencoder.commands:analogy",
        "interpolate": "contentpose.families.autoencoder.commands:interpolate",
    },
    predictor=True,
    check=check,
    upgrade=upgrade,
)
