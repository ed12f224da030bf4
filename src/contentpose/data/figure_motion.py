"""Motion of the articulated figures in closed form: six (or eight) actions as joint angles over time.

A clip cycles through a random schedule of actions, one every `segment` frames, blending into
the next over its last BLEND frames, so the future of a clip is not fixed by its past (an
action may change). Within an action the angles are periodic in the phase

    phi(t) = 2 pi (speed * t + phase0)

(continuous across action changes), scaled by a per-clip amplitude and offset by small
per-clip joint offsets. Angles are in radians, 0 = pointing down; positive turns toward +x
for the right limbs and toward -x for the left ones (mirrored: positive is "outward" on both
sides); elbows and knees are relative to the upper limb. `lift` (a fraction of the frame size)
raises the whole figure off the ground (jumps).
"""

from __future__ import annotations

import math

import torch

ACTIONS = ("walk", "wave", "jump", "squat", "kick", "dance", "turn", "bend")  # data.motions=six: the first six
VOCABULARIES = {"six": 6, "eight": 8}  # data.motions -> how many of ACTIONS a schedule draws from
TURN = ACTIONS.index("turn")
ANGLES = ("lean", "tilt", "shoulder_l", "elbow_l", "shoulder_r", "elbow_r", "hip_l", "knee_l", "hip_r", "knee_r")
JOINT_PARAMS = ("lift",) + ANGLES  # what an action sets, in this order
SCHEDULE = 16  # actions in a clip's schedule (it repeats after that)
BLEND = 8.0  # frames over which one action blends into the next


def action_params(phi: torch.Tensor, amplitude: torch.Tensor) -> torch.Tensor:
    """Every action at phases phi (n, F), amplitudes (n, 1) -> (n, F, len(ACTIONS), len(JOINT_PARAMS))."""
    s, c, A = phi.sin(), phi.cos(), amplitude
    zero = torch.zeros_like(phi)
    pos = lambda x: x.clamp(min=0)  # noqa: E731

    # walk (seen from the side): legs and arms swing in opposition, knees bend on the swing
    walk = [
        zero,
        zero,
        zero + 0.05,
        0.1 + 0.4 * A * s,
        zero - 0.3,
        0.1 + 0.4 * A * s,
        zero + 0.3,
        -0.45 * A * s,
        0.15 + 0.6 * A * pos(c),
        -0.45 * A * s,
        -0.15 - 0.6 * A * pos(-c),
    ]
    # wave: right arm up, forearm swinging; a little sway
    wave = [
        zero,
        0.05 * s,
        0.1 * s,
        zero + 0.12,
        zero + 0.05,
        2.5 + 0.1 * s,
        0.35 + 0.45 * A * s,
        zero + 0.08,
        zero,
        zero + 0.08,
        zero,
    ]
    # jump: crouch (knees out), then up with both arms raised
    crouch, air = pos(-s), pos(s)
    jump = [
        0.08 * A * air,
        zero,
        zero,
        0.2 + 1.4 * A * air,
        zero + 0.2,
        0.2 + 1.4 * A * air,
        zero + 0.2,
        0.1 + 0.5 * crouch,
        -1.0 * crouch,
        0.1 + 0.5 * crouch,
        -1.0 * crouch,
    ]
    # squat: knees out and down, arms forward and up
    down = (1 - c) / 2
    squat = [
        zero,
        zero,
        zero,
        0.2 + 1.2 * A * down,
        zero + 0.1,
        0.2 + 1.2 * A * down,
        zero + 0.1,
        0.15 + 0.9 * A * down,
        -1.8 * A * down,
        0.15 + 0.9 * A * down,
        -1.8 * A * down,
    ]
    # kick: the right leg swings out and up, the body leans away, arms balance
    k = pos(s) ** 2
    kick = [
        zero,
        0.3 * k,
        zero,
        0.3 + 1.0 * k,
        zero + 0.3,
        0.3 + 0.4 * k,
        zero + 0.3,
        0.1 - 0.15 * k,
        zero,
        0.1 + 1.2 * A * k,
        -1.6 * k * (1 - k),
    ]
    # dance: arms alternate up and down, hips sway, knees bounce twice a cycle
    bounce = (1 - (2 * phi).cos()) / 2
    dance = [
        0.02 * bounce,
        0.2 * A * s,
        0.15 * s,
        0.4 + 0.8 * A * (1 + s),
        0.6 + 0.3 * (2 * phi).cos(),
        0.4 + 0.8 * A * (1 - s),
        0.6 - 0.3 * (2 * phi).cos(),
        0.15 + 0.15 * s + 0.25 * bounce,
        -0.5 * A * bounce,
        0.15 - 0.15 * s + 0.25 * bounce,
        -0.5 * A * bounce,
    ]
    # turn: the figure stands, arms swaying a little, while it turns half round (see `facing`)
    turn = [
        zero,
        zero,
        zero + 0.05,
        0.15 + 0.15 * A * s,
        zero + 0.2,
        0.15 - 0.15 * A * s,
        zero + 0.2,
        zero + 0.08,
        zero,
        zero + 0.08,
        zero,
    ]
    # bend: a bow from the hips and back up, arms hanging (their angle undoes the lean), knees soft
    bow = 1.1 * A * (1 - c) / 2
    bend = [
        zero,
        bow,
        -0.3 * bow,
        bow + 0.1,
        zero + 0.1,
        -bow + 0.1,
        zero + 0.1,
        zero + 0.05,
        -0.2 * bow,
        zero + 0.05,
        -0.2 * bow,
    ]
    table = [walk, wave, jump, squat, kick, dance, turn, bend]
    assert len(table) == len(ACTIONS) and all(len(a) == len(JOINT_PARAMS) for a in table)
    return torch.stack([torch.stack(a, dim=-1) for a in table], dim=2)


def schedule_position(times: torch.Tensor, segment: torch.Tensor, offset: torch.Tensor):
    """Where frame times (n, F) fall in the schedule: segment index k (n, F) and blend weight w (n, F)
    of action k+1 (0 inside a segment, rising smoothly to 1 over its last BLEND frames)."""
    u = (times.to(segment) + offset[:, None]) / segment[:, None]
    k = u.floor()
    into = (u - k) * segment[:, None]  # frames into the segment
    x = ((into - (segment[:, None] - BLEND)) / BLEND).clamp(0, 1)
    return k.long(), x * x * (3 - 2 * x)  # smoothstep


def facing(times: torch.Tensor, actions: torch.Tensor, segment: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """Which way the figure faces at frame times (n, F): cos of its turn angle about the vertical axis,
    1 at the start, -1 once mirrored. Every "turn" in the schedule (n, SCHEDULE) adds half a turn,
    eased over its segment, so the angle is continuous and counts the turns made since t = 0."""
    u = (times.to(segment) + offset[:, None]) / segment[:, None]
    k = u.floor().long()
    turns = (actions == TURN).long()
    before = torch.cat([torch.zeros_like(turns[:, :1]), turns.cumsum(1)], dim=1)  # (n, SCHEDULE + 1)
    done = (k // SCHEDULE) * before[:, -1:] + before.gather(1, k % SCHEDULE)
    into = u - k
    now = turns.gather(1, k % SCHEDULE).to(u) * (1 - (math.pi * into).cos()) / 2
    return (math.pi * (done.to(u) + now)).cos()


def joint_params(
    times: torch.Tensor,
    actions: torch.Tensor,
    segment: torch.Tensor,
    offset: torch.Tensor,
    speed: torch.Tensor,
    phase: torch.Tensor,
    amplitude: torch.Tensor,
    jitter: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lift and angles (n, F, len(JOINT_PARAMS)) at frame times (n, F), and the action shown (n, F).

    actions (n, SCHEDULE) ints; segment, offset, speed, phase, amplitude (n,); jitter (n, len(ANGLES)).
    """
    phi = 2 * math.pi * (speed[:, None] * times.to(speed) + phase[:, None])
    every = action_params(phi, amplitude[:, None])  # (n, F, A, P)
    k, w = schedule_position(times, segment, offset)
    now = actions.gather(1, k % SCHEDULE)
    nxt = actions.gather(1, (k + 1) % SCHEDULE)
    pick = lambda a: every.gather(2, a[..., None, None].expand(*a.shape, 1, every.shape[-1]))[:, :, 0]  # noqa: E731
    params = (1 - w[..., None]) * pick(now) + w[..., None] * pick(nxt)
    params = params + torch.cat([torch.zeros_like(jitter[:, :1]), jitter], dim=1)[:, None]
    return params, torch.where(w < 0.5, now, nxt)
