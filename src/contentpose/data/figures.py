"""Articulated figures: procedurally drawn 2D people with exact keypoints (no download).

A figure is a head, a torso and upper and lower arms and legs, drawn as anti-aliased capsules
(the coverage of each pixel is read off a closed-form distance field: clamp(0.5 - d, 0, 1)
with d the distance in pixels to the shape's edge), so any frame is rendered directly,
vectorised over clips, frames and pixels.

Content, fixed within a clip: the colours of head, torso, arms and legs (6 each; the far,
left limbs are drawn darker), background colour (4), limb thickness (3) and build (3 body
proportions). Pose, changing every frame: the joint angles of an action schedule (walk,
wave, jump, squat, kick, dance; see figure_motion.py) and a slow horizontal drift bouncing
inside the frame; the figure stands on the ground (its lower ankle at GROUND), lifted in jumps.

Options: `data.background=photo` stands the figure on a crop of one of scikit-learn's photos (the
background class then names the photo and whether it is mirrored; where the crop lies, within the
split's band of the photo, is drawn from the clip's style seed); `data.clothing=textured` patterns
the torso, arms and legs (bands, stripes or checks in a darker or paler shade of the part's colour,
from the style seed, painted in each limb's own frame); `data.motions=eight` adds "turn" (half a
turn about the vertical axis, eased over the action: a 13th pose parameter, `facing`, scales x about
the pelvis, and the far side's limbs swap when it is negative) and "bend" (a bow from the hips).

`positions` are the pose parameters (n, F, 1, 12) = (x, lift, 10 angles) (and facing), which hold no
content, so `render(a, positions(b))` is a's figure doing b's motion: the ground truth of a
motion transfer. `keypoints(factors, positions)` gives the 15 joints (n, F, 15, 2) as (y, x)
pixels (KEYPOINTS, joined by BONES), which depend on both: a tall figure's wrists are further
from its shoulders.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch

from contentpose.config import DataConfig
from contentpose.data.backgrounds import Backgrounds, clip_uniforms
from contentpose.data.figure_motion import ANGLES, SCHEDULE, VOCABULARIES, facing, joint_params
from contentpose.data.motion import bounce
from contentpose.data.moving_sprites import HUES
from contentpose.data.synthetic import START_TIMES, SyntheticClips
from contentpose.errors import UserError

KEYPOINTS = (
    "head",
    "neck",
    "pelvis",
    "shoulder_l",
    "elbow_l",
    "wrist_l",
    "shoulder_r",
    "elbow_r",
    "wrist_r",
    "hip_l",
    "knee_l",
    "ankle_l",
    "hip_r",
    "knee_r",
    "ankle_r",
)
BONES = ((0, 1), (1, 2), (3, 6), (9, 12), (3, 4), (4, 5), (6, 7), (7, 8), (9, 10), (10, 11), (12, 13), (13, 14))
POSE_PARAMS = ("x", "lift") + ANGLES

PART_COLOURS = HUES  # the six saturated colours of Moving Sprites, one per class
PART_INTENSITIES = torch.linspace(0.5, 1.0, 6)
BACKGROUNDS = torch.tensor([[0.0, 0.0, 0.0], [0.12, 0.12, 0.28], [0.3, 0.16, 0.08], [0.08, 0.24, 0.14]])
BACKGROUND_INTENSITIES = torch.tensor([0.0, 0.1, 0.2, 0.3])
FAR_SHADE = 0.65  # the left (far) limbs are drawn this much darker
THICKNESS = torch.tensor([0.018, 0.026, 0.034])  # limb radius, fraction of the frame
TORSO_WIDTH = 1.7  # torso radius / limb radius
BUILDS = torch.tensor([[0.88, 0.9], [1.0, 1.0], [1.08, 1.12]])  # (overall scale, extra scale of the limbs)
# Segment lengths at build (1, 1), fractions of the frame size.
HEAD, NECK, TORSO, SHOULDER, HIP = 0.065, 0.035, 0.19, 0.07, 0.045
UPPER_ARM, FOREARM, THIGH, SHIN = 0.12, 0.11, 0.14, 0.13
GROUND = 0.93  # the lower ankle's height, fraction of the frame (before lift)
X_RANGE = (0.35, 0.65)  # the pelvis drifts within this band of the frame
JITTER = 0.06  # std of the per-clip joint-angle offsets (radians)
PATTERN_PERIOD = (0.06, 0.1)  # data.clothing=textured: stripe period, fraction of the frame (4-6 px at 64)


@dataclass
class FigureFactors:
    """Ground truth of n clips.

    head, torso, arms, legs: (n,) colour classes (content); background: (n,) background class;
    thickness, build: (n,) classes (content)
    actions: (n, SCHEDULE) action indices; segment: (n,) frames per action; offset: (n,) schedule
    offset in frames; speed: (n,) cycles per frame; phase: (n,) in [0, 1); amplitude: (n,);
    jitter: (n, len(ANGLES)) joint offsets; start_x, velocity_x: (n,) drift in pixels (pose)
    """

    head: torch.Tensor
    torso: torch.Tensor
    arms: torch.Tensor
    legs: torch.Tensor
    background: torch.Tensor
    thickness: torch.Tensor
    build: torch.Tensor
    actions: torch.Tensor
    segment: torch.Tensor
    offset: torch.Tensor
    speed: torch.Tensor
    phase: torch.Tensor
    amplitude: torch.Tensor
    jitter: torch.Tensor
    start_x: torch.Tensor
    velocity_x: torch.Tensor
    style: torch.Tensor | None = None  # (n,) seeds of the backdrop's crop and the clothes' pattern (content)

    CONTENT = ("head", "torso", "arms", "legs", "background", "thickness", "build")

    def __len__(self) -> int:
        return self.head.shape[0]

    @property
    def label(self) -> torch.Tensor:
        """(n, 7) content classes for content classifiers: each content factor's class, numbered
        one group after the other (see Figures.content_groups)."""
        offsets = torch.tensor([0, *Figures.content_groups.values()]).cumsum(0)[:-1].tolist()
        return torch.stack([getattr(self, k) + o for k, o in zip(self.CONTENT, offsets)], dim=1)

    @property
    def content_key(self) -> torch.Tensor:
        """(n, 1) id of the full appearance: two clips share it iff every content factor matches."""
        key = torch.zeros_like(self.head)
        for name, classes in Figures.content_groups.items():
            key = key * classes + getattr(self, name)
        return key[:, None]

    def index(self, idx) -> FigureFactors:
        fields = (getattr(self, f.name) for f in dataclasses.fields(self))
        return FigureFactors(*(None if v is None else v[idx] for v in fields))

    def with_content_of(self, other: FigureFactors) -> FigureFactors:
        """These clips' motion with `other`'s appearance (both n clips)."""
        return dataclasses.replace(self, **{k: getattr(other, k) for k in (*self.CONTENT, "style")})


@dataclass
class FigureClips:
    """Rendered frames (n, T, C, H, W) in [0, 1], factors, pose parameters (n, T, 1, 12) (POSE_PARAMS),
    keypoints (n, T, 15, 2) as (y, x) pixels (KEYPOINTS), the action shown (n, T), masks and backgrounds."""

    frames: torch.Tensor
    factors: FigureFactors
    positions: torch.Tensor
    keypoints: torch.Tensor
    action: torch.Tensor
    masks: torch.Tensor | None = None  # (n, T, 1, H, W) the figure's opacity, the true foreground
    background: torch.Tensor | None = None  # (n, C, H, W) each clip's plain background


class Figures(SyntheticClips):
    """Generator of figure clips; 'train', 'val' and 'test' differ only in the seeds that draw them."""

    content_groups = {
        "head": len(PART_COLOURS),
        "torso": len(PART_COLOURS),
        "arms": len(PART_COLOURS),
        "legs": len(PART_COLOURS),
        "background": len(BACKGROUNDS),
        "thickness": len(THICKNESS),
        "build": len(BUILDS),
    }
    num_classes = sum(content_groups.values())
    num_objects = 1
    Clips = FigureClips

    def __init__(self, cfg: DataConfig, split: str = "train", device: torch.device | str = "cpu"):
        if cfg.background == "texture":
            raise UserError("figures stand on a plain colour or a photo: data.background=none or photo, not texture")
        self.cfg, self.split = cfg, split
        self.vocabulary = VOCABULARIES[cfg.motions]
        self.textured = cfg.clothing == "textured"
        self.device = torch.device(device)
        self.size = cfg.frame_size
        self.channels = 3 if cfg.colour else 1
        self.part_colours = (PART_COLOURS if cfg.colour else PART_INTENSITIES[:, None]).to(self.device)
        self.background_colours = (BACKGROUNDS if cfg.colour else BACKGROUND_INTENSITIES[:, None]).to(self.device)
        self.photos = (
            Backgrounds("photo", self.size, self.channels, self.device, split) if cfg.background == "photo" else None
        )

    def sample_factors(self, n: int, generator: torch.Generator) -> FigureFactors:
        """Draw n clips' factors with a CPU generator (the same clips on any device)."""
        g = generator
        cls = lambda k: torch.randint(k, (n,), generator=g)  # noqa: E731
        uni = lambda lo, hi: lo + (hi - lo) * torch.rand(n, generator=g)  # noqa: E731
        content = [cls(len(PART_COLOURS)) for _ in range(4)] + [
            cls(len(BACKGROUNDS)),
            cls(len(THICKNESS)),
            cls(len(BUILDS)),
        ]
        actions = torch.randint(self.vocabulary, (n, SCHEDULE), generator=g)
        segment = uni(30, 60)
        offset = uni(0, 60)
        speed = uni(1 / 30, 1 / 16)
        phase, amplitude = uni(0, 1), uni(0.8, 1.2)
        jitter = torch.randn(n, len(ANGLES), generator=g) * JITTER
        lo, hi = X_RANGE
        start_x = uni(0, (hi - lo) * self.size)
        sign = torch.randint(2, (n,), generator=g) * 2 - 1
        velocity_x = sign * uni(0.1, 0.4) * self.size / 64
        values = [*content, actions, segment, offset, speed, phase, amplitude, jitter, start_x, velocity_x]
        if self.photos is not None or self.textured:  # drawn last: plain figures draw what they always did
            values.append(torch.randint(2**31 - 1, (n,), generator=g))
        return FigureFactors(*(v.to(self.device) for v in values))

    def positions(self, factors: FigureFactors, times: torch.Tensor) -> torch.Tensor:
        """Pose parameters at frame times (n, F) -> (n, F, 1, 12): pelvis x (pixels), lift, angles."""
        return self.motion(factors, times)[0]

    def motion(self, f: FigureFactors, times: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pose parameters (n, F, 1, P) at frame times (n, F) and the action shown (n, F), indices into
        ACTIONS; P = 12 (POSE_PARAMS), or 13 with data.motions=eight (then the last is `facing`)."""
        lo, hi = X_RANGE
        x = bounce(f.start_x[:, None, None], f.velocity_x[:, None, None], times, (hi - lo) * self.size)[..., 0, 0]
        params, action = joint_params(times, f.actions, f.segment, f.offset, f.speed, f.phase, f.amplitude, f.jitter)
        parts = [(x + lo * self.size)[..., None], params]
        if self.vocabulary > VOCABULARIES["six"]:
            parts.append(facing(times, f.actions, f.segment, f.offset)[..., None])
        return torch.cat(parts, dim=-1)[:, :, None], action

    def clips(self, factors: FigureFactors, times: torch.Tensor) -> FigureClips:
        """Render the frames at `times` (n, F) of the clips described by `factors`, with keypoints."""
        positions, action = self.motion(factors, times)
        frames, masks, background = self.draw(factors, positions)
        return FigureClips(frames, factors, positions, self.keypoints(factors, positions), action, masks, background)

    def keypoints(self, factors: FigureFactors, positions: torch.Tensor) -> torch.Tensor:
        """The joints of `factors`' figures in poses (n, F, 1, 12) -> (n, F, 15, 2) as (y, x) pixels."""
        p = positions[:, :, 0]
        x, lift = p[..., 0], p[..., 1]
        a = dict(zip(ANGLES, p[..., 2:12].unbind(-1)))
        build, limb = BUILDS.to(self.device)[factors.build].unbind(-1)  # (n,) each
        scale = (build * self.size)[:, None]  # (n, 1) pixels
        limbs = scale * limb[:, None]
        d = lambda angle: torch.stack([angle.cos(), angle.sin()], dim=-1)  # noqa: E731  (dy, dx), 0 = down
        ln = lambda v: v[..., None]  # noqa: E731
        lean = a["lean"]
        pelvis = torch.stack([torch.zeros_like(x), x], dim=-1)
        neck = pelvis + ln(scale * TORSO) * d(math.pi + lean)
        head = neck + ln(scale * (NECK + HEAD)) * d(math.pi + lean + a["tilt"])
        right = d(math.pi / 2 + lean)
        joints = {"head": head, "neck": neck, "pelvis": pelvis}
        for side, s in (("l", -1), ("r", 1)):
            shoulder = neck + s * ln(scale * SHOULDER) * right
            upper = lean + s * a[f"shoulder_{side}"]
            elbow = shoulder + ln(limbs * UPPER_ARM) * d(upper)
            wrist = elbow + ln(limbs * FOREARM) * d(upper + s * a[f"elbow_{side}"])
            hip = pelvis + s * ln(scale * HIP) * right
            thigh = s * a[f"hip_{side}"]
            knee = hip + ln(limbs * THIGH) * d(thigh)
            ankle = knee + ln(limbs * SHIN) * d(thigh + s * a[f"knee_{side}"])
            joints.update(
                {
                    f"shoulder_{side}": shoulder,
                    f"elbow_{side}": elbow,
                    f"wrist_{side}": wrist,
                    f"hip_{side}": hip,
                    f"knee_{side}": knee,
                    f"ankle_{side}": ankle,
                }
            )
        k = torch.stack([joints[name] for name in KEYPOINTS], dim=2)  # (n, F, K, 2)
        if p.shape[-1] > len(POSE_PARAMS):  # turned about the vertical axis through the pelvis: x scaled
            k = torch.stack([k[..., 0], x[..., None] + p[..., -1:] * (k[..., 1] - x[..., None])], dim=-1)
        floor = torch.maximum(joints["ankle_l"][..., 0], joints["ankle_r"][..., 0])
        shift = (GROUND - lift) * self.size - floor  # lower ankle on the ground
        return k + torch.stack([shift, torch.zeros_like(shift)], dim=-1)[:, :, None]

    def render(self, factors: FigureFactors, positions: torch.Tensor) -> torch.Tensor:
        """Draw the content of `factors` in poses (n, F, 1, 12) -> frames (n, F, C, H, W)."""
        return self.draw(factors, positions)[0]

    def draw(self, factors: FigureFactors, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`render`, with the figure's opacity (n, F, 1, H, W) and the backgrounds (n, C, H, W)."""
        k = self.keypoints(factors, positions)
        j = {name: k[:, :, i] for i, name in enumerate(KEYPOINTS)}
        n, nf = k.shape[:2]
        if positions.shape[-1] > len(POSE_PARAMS):  # turned round: the right side is the far one
            back = positions[:, :, 0, -1:] < 0  # (n, F, 1)
            for a, b in (("shoulder", "elbow"), ("elbow", "wrist"), ("hip", "knee"), ("knee", "ankle")):
                for name in (a, b):
                    left, right = j[f"{name}_l"], j[f"{name}_r"]
                    j[f"{name}_l"], j[f"{name}_r"] = torch.where(back, right, left), torch.where(back, left, right)
        radius = THICKNESS.to(self.device)[factors.thickness] * self.size  # (n,)
        head_r = BUILDS.to(self.device)[factors.build, 0] * self.size * HEAD
        far = FAR_SHADE
        legs, arms, torso = (self.part_colours[c] for c in (factors.legs, factors.arms, factors.torso))
        shapes = [  # back to front: (start, end, radius, colour (n, C), clothed)
            (j["hip_l"], j["knee_l"], radius, far * legs, True),
            (j["knee_l"], j["ankle_l"], radius, far * legs, True),
            (j["shoulder_l"], j["elbow_l"], radius, far * arms, True),
            (j["elbow_l"], j["wrist_l"], radius, far * arms, True),
            (j["hip_l"], j["hip_r"], radius, torso, True),
            (j["neck"], j["pelvis"], TORSO_WIDTH * radius, torso, True),
            (j["shoulder_l"], j["shoulder_r"], radius, torso, True),
            (j["hip_r"], j["knee_r"], radius, legs, True),
            (j["knee_r"], j["ankle_r"], radius, legs, True),
            (j["head"], j["head"], head_r, self.part_colours[factors.head], False),
            (j["shoulder_r"], j["elbow_r"], radius, arms, True),
            (j["elbow_r"], j["wrist_r"], radius, arms, True),
        ]
        u = None if factors.style is None else clip_uniforms(factors.style.tolist()).to(self.device)
        background = self.backdrops(factors, u)  # (n, C, H, W)
        C = self.channels
        out = torch.cat([background, torch.zeros_like(background[:, :1])], dim=1).flatten(2)  # last: opacity
        out = out[:, None].expand(n, nf, C + 1, self.size**2).reshape(n * nf, C + 1, -1).clone()
        pattern = self.pattern(factors, u) if self.textured else None
        for start, end, r, colour, clothed in shapes:
            colour = torch.cat([colour, torch.ones_like(colour[:, :1])], dim=1)
            trim = None
            if clothed and pattern is not None:
                scale, lift = pattern["trim"].unbind(1)
                trim = torch.cat([colour[:, :C] * scale[:, None] + lift[:, None], colour[:, C:]], dim=1)
            paint_capsule(
                out,
                self.size,
                start.flatten(0, 1),
                end.flatten(0, 1),
                r.repeat_interleave(nf),
                colour.repeat_interleave(nf, dim=0),
                None if trim is None else trim.repeat_interleave(nf, dim=0),
                None if trim is None else pattern["stripes"].repeat_interleave(nf, dim=0),
            )
        out = out.view(n, nf, C + 1, self.size, self.size)
        return out[:, :, :C], out[:, :, C:], background

    def backdrops(self, factors: FigureFactors, u: torch.Tensor | None) -> torch.Tensor:
        """Each clip's background (n, C, H, W): its plain colour, or with data.background=photo a crop of
        one of scikit-learn's photos (this split's band of it), the background class naming which photo
        and whether it is mirrored, the clip's style seed where the crop lies."""
        if self.photos is None:
            return self.background_colours[factors.background][:, :, None, None].expand(-1, -1, self.size, self.size)
        u = u.clone()
        u[:, 0] = ((factors.background % 2).to(u) + 0.5) / 2  # which photo
        u[:, 4] = torch.where(factors.background < 2, 0.75, 0.25)  # mirrored: below 0.5 (Backgrounds.photo)
        return self.photos.photo(u)

    def pattern(self, factors: FigureFactors, u: torch.Tensor) -> dict[str, torch.Tensor]:
        """The clothes' pattern of each clip, from its style seed: the second colour, a shade of each
        part's own ('trim', (n, 2): colour * scale + lift, darker or paler) and the stripes (n, 3): kind
        (0 bands across the limb, 1 stripes along it, 2 checks), period in pixels, phase in periods."""
        kind = (u[:, 5] * 3).floor().clamp(max=2)
        lo, hi = PATTERN_PERIOD
        period = self.size * (lo + (hi - lo) * u[:, 6])
        t = 0.45 + 0.2 * u[:, 9]
        darker = u[:, 8] < 0.5
        trim = torch.stack([1 - t, torch.where(darker, torch.zeros_like(t), t)], dim=1)
        return {"trim": trim, "stripes": torch.stack([kind, period, u[:, 7]], dim=1)}

    def keypoint_clips(self, batch: int, offsets: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Keypoints at t + offsets (B, F) of `batch` new clips at random t, not rendered: (B, F, 15, 2)
        as (y, x) pixels (what pose forecasting trains on)."""
        factors = self.sample_factors(batch, generator)
        t = torch.randint(0, START_TIMES, (batch, 1), generator=generator)
        return self.keypoints(factors, self.positions(factors, (t + offsets).to(self.device)))

    def factor_values(self, clips: FigureClips) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Content {head, torso, arms, legs, background, thickness, build: (n, F) int} and pose
        {x, y (the pelvis, pixels), and the ten joint angles: (n, F) float}."""
        n, F = clips.positions.shape[:2]
        f = clips.factors
        content = {k: getattr(f, k)[:, None].expand(n, F) for k in FigureFactors.CONTENT}
        pelvis = clips.keypoints[:, :, KEYPOINTS.index("pelvis")]
        pose = {"x": pelvis[..., 1], "y": pelvis[..., 0]}
        pose.update({name: clips.positions[:, :, 0, 2 + i] for i, name in enumerate(ANGLES)})
        if clips.positions.shape[-1] > len(POSE_PARAMS):
            pose["facing"] = clips.positions[:, :, 0, -1]
        return content, pose


def paint_capsule(
    canvas: torch.Tensor,
    size: int,
    start: torch.Tensor,
    end: torch.Tensor,
    radius: torch.Tensor,
    colour: torch.Tensor,
    trim: torch.Tensor | None = None,
    stripes: torch.Tensor | None = None,
) -> None:
    """Draw one anti-aliased capsule over each of N frames, in place: canvas (N, C, size * size), start and
    end (N, 2) as (y, x) pixels, radius (N,), colour (N, C). With `trim` (N, C) and `stripes` (N, 3)
    (kind, period, phase: see `Figures.pattern`) the capsule is patterned in its own frame (distance
    along the bone from `start`, and across it), so the pattern moves and turns with the limb.

    Only a square window around each capsule is computed (its side: the longest capsule plus its width),
    gathered from the canvas, blended ("over") and scattered back."""
    side = int(((end - start).norm(dim=-1).max() + 2 * radius.max()).ceil()) + 3
    side = min(side, size)
    axis = torch.arange(side, device=canvas.device)
    origin = (torch.minimum(start, end) - radius[:, None] - 1).floor().clamp(0, size - side).long()  # (N, 2)
    ys, xs = origin[:, 0, None] + axis, origin[:, 1, None] + axis  # (N, side)
    cover = capsule_coverage(
        None,
        start[:, None],
        end[:, None],
        radius[:, None, None, None],
        ys[:, None].float() + 0.5,
        xs[:, None].float() + 0.5,
    )[:, 0]  # (N, side, side)
    index = (ys[:, :, None] * size + xs[:, None, :]).flatten(1)[:, None].expand(-1, canvas.shape[1], -1)
    region = canvas.gather(2, index)
    paint = colour[:, :, None]
    if trim is not None:
        mix = stripe_pattern(start, end, ys.float() + 0.5, xs.float() + 0.5, stripes).flatten(1)[:, None]
        paint = paint + mix * (trim - colour)[:, :, None]  # (N, C, side * side)
    region += cover.flatten(1)[:, None] * (paint - region)
    canvas.scatter_(2, index, region)


def stripe_pattern(
    start: torch.Tensor, end: torch.Tensor, ys: torch.Tensor, xs: torch.Tensor, stripes: torch.Tensor
) -> torch.Tensor:
    """How much of the second colour (N, side, side) in [0, 1] each pixel centre of a window (rows ys,
    columns xs, (N, side)) shows, for bones from `start` to `end` (N, 2) as (y, x) and `stripes` (N, 3)
    = (kind, period, phase): soft-edged bands across the bone (0), stripes along it (1) or checks (2)."""
    d = end - start
    length = d.norm(dim=-1, keepdim=True)
    dy, dx = (d / length.clamp(min=1e-6)).unbind(-1)  # unit bone direction (N,)
    py, px = ys[:, :, None] - start[:, 0, None, None], xs[:, None, :] - start[:, 1, None, None]
    along = py * dy[:, None, None] + px * dx[:, None, None]
    across = px * dy[:, None, None] - py * dx[:, None, None]
    kind, period, phase = (v[:, None, None] for v in stripes.unbind(-1))
    wave = lambda a: torch.sin(2 * math.pi * (a / period + phase))  # noqa: E731
    value = torch.where(kind == 0, wave(along), torch.where(kind == 1, wave(across), wave(along) * wave(across)))
    return (0.5 + 2 * value).clamp(0, 1)  # a crisp edge, about a pixel wide


def capsule_coverage(
    axis: torch.Tensor | None,
    start: torch.Tensor,
    end: torch.Tensor,
    radius: torch.Tensor,
    ys: torch.Tensor | None = None,
    xs: torch.Tensor | None = None,
) -> torch.Tensor:
    """Anti-aliased coverage (n, F, H, W) in [0, 1] of capsules from `start` to `end` (n, F, 2) as (y, x)
    pixels with `radius` (broadcastable to (n, F, H, W)), at the pixel centres `axis` (H,) of a square
    frame, or at rows `ys` (n, F, H) and columns `xs` (n, F, W) of a window."""
    ys, xs = (axis, axis) if axis is not None else (ys, xs)
    ay, ax = start[..., 0, None, None], start[..., 1, None, None]
    by, bx = end[..., 0, None, None] - ay, end[..., 1, None, None] - ax
    py, px = ys[..., :, None] - ay, xs[..., None, :] - ax  # (n, F, H, 1), (n, F, 1, W)
    h = ((py * by + px * bx) / (by * by + bx * bx + 1e-6)).clamp_(0, 1)  # nearest point on the segment
    distance = ((py - h * by) ** 2 + (px - h * bx) ** 2).sqrt_()
    return (0.5 + radius - distance).clamp_(0, 1)


def bone_maps(keypoints: torch.Tensor, size: int, radius: float = 1.0) -> torch.Tensor:
    """A stick figure drawn from keypoints (n, F, 15, 2) as (y, x) pixels: one anti-aliased channel per
    bone (BONES), (n, F, len(BONES), size, size) in [0, 1] (a pose map for pose-conditioned networks)."""
    axis = torch.arange(size, device=keypoints.device, dtype=keypoints.dtype) + 0.5
    return torch.stack(
        [capsule_coverage(axis, keypoints[:, :, a], keypoints[:, :, b], radius) for a, b in BONES], dim=2
    )
