"""Anchor boxes and a single-shot detector in miniature, in the idiom of Dive into Deep
Learning's object-detection chapters: anchors of several sizes and aspect ratios centred
on every pixel of a feature map (`torch.meshgrid(..., indexing='ij')`,
`repeat_interleave`), corner/centre box conversions, pairwise IoU by broadcasting,
assigning ground truth to anchors (the largest IoU first, column and row discarded by
item assignment with 0-d index tensors, then every anchor above a threshold), offsets of
the assigned boxes as the labels, a small convolutional detector with class and box
predictors whose outputs are flattened channel-last and concatenated, the masked class +
L1 box loss, then detection: offsets inverted into boxes, non-maximum suppression with
`argsort(descending=True)` and `nonzero`, suppressed anchors found with
`unique(return_counts=True)`. Images are 16 x 16 with one bright square each.

Idioms: `torch.stack((cx, cy, w, h), axis=-1)`, `torch.cat([...], axis=1)`,
`torch.max(boxes1[:, None, :2], boxes2[:, :2])`, `.clamp(min=0)`, `torch.full((n,), -1,
dtype=torch.long)`, `torch.max(jaccard, dim=1)`, `torch.nonzero(...).reshape(-1)`,
`anchors_bbox_map[anc_i] = box_j`, `jaccard[:, box_idx] = col_discard`, `(max_idx /
n).long()`, `(m >= 0).float().unsqueeze(-1).repeat(1, 4)`, `class_labels[indices_true] =
label[bb_idx, 0].long() + 1` with (k, 1) indices, `torch.flatten(pred.permute(0, 2, 3, 1),
start_dim=1)`, `nn.CrossEntropyLoss(reduction='none')`, `nn.L1Loss(reduction='none')`,
`F.softmax(cls_preds, dim=2).permute(0, 2, 1)`, `torch.argsort(scores, dim=-1,
descending=True)`, `B.numel()`, `combined.unique(return_counts=True)`,
`class_id[below_min_idx] = -1`, `torch.optim.SGD(..., weight_decay=5e-4)`.

Data and weights from NumPy, batches in a fixed order, float32 as in the book: both
frameworks take the same path (rounding differences only).
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

rng = np.random.default_rng(21)


def multibox_prior(data, sizes, ratios):
    """Anchors centred on every pixel: (1, h * w * (len(sizes) + len(ratios) - 1), 4)."""
    in_height, in_width = data.shape[-2:]
    device, num_sizes, num_ratios = data.device, len(sizes), len(ratios)
    boxes_per_pixel = (num_sizes + num_ratios - 1)
    size_tensor = torch.tensor(sizes, device=device)
    ratio_tensor = torch.tensor(ratios, device=device)
    steps_h, steps_w = 1.0 / in_height, 1.0 / in_width
    center_h = (torch.arange(in_height, device=device) + 0.5) * steps_h
    center_w = (torch.arange(in_width, device=device) + 0.5) * steps_w
    shift_y, shift_x = torch.meshgrid(center_h, center_w, indexing='ij')
    shift_y, shift_x = shift_y.reshape(-1), shift_x.reshape(-1)
    # widths and heights: every size with the first ratio, the first size with the rest
    w = torch.cat((size_tensor * torch.sqrt(ratio_tensor[0]),
                   sizes[0] * torch.sqrt(ratio_tensor[1:]))) * in_height / in_width
    h = torch.cat((size_tensor / torch.sqrt(ratio_tensor[0]),
                   sizes[0] / torch.sqrt(ratio_tensor[1:])))
    anchor_manipulations = torch.stack((-w, -h, w, h)).T.repeat(in_height * in_width, 1) / 2
    out_grid = torch.stack([shift_x, shift_y, shift_x, shift_y],
                           dim=1).repeat_interleave(boxes_per_pixel, dim=0)
    return (out_grid + anchor_manipulations).unsqueeze(0)


def box_corner_to_center(boxes):
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return torch.stack((cx, cy, x2 - x1, y2 - y1), axis=-1)


def box_center_to_corner(boxes):
    cx, cy, w, h = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), axis=-1)


def box_iou(boxes1, boxes2):
    """IoU of every pair: (len(boxes1), len(boxes2))."""
    box_area = lambda boxes: ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
    areas1, areas2 = box_area(boxes1), box_area(boxes2)
    inter_upperlefts = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    inter_lowerrights = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    inters = (inter_lowerrights - inter_upperlefts).clamp(min=0)
    inter_areas = inters[:, :, 0] * inters[:, :, 1]
    return inter_areas / (areas1[:, None] + areas2 - inter_areas)


def assign_anchor_to_bbox(ground_truth, anchors, device, iou_threshold=0.5):
    num_anchors, num_gt_boxes = anchors.shape[0], ground_truth.shape[0]
    jaccard = box_iou(anchors, ground_truth)
    anchors_bbox_map = torch.full((num_anchors,), -1, dtype=torch.long, device=device)
    max_ious, indices = torch.max(jaccard, dim=1)
    anc_i = torch.nonzero(max_ious >= iou_threshold).reshape(-1)
    box_j = indices[max_ious >= iou_threshold]
    anchors_bbox_map[anc_i] = box_j
    col_discard = torch.full((num_anchors,), -1)
    row_discard = torch.full((num_gt_boxes,), -1)
    for _ in range(num_gt_boxes):  # each ground truth takes its best anchor first
        max_idx = torch.argmax(jaccard)
        box_idx = (max_idx % num_gt_boxes).long()
        anc_idx = (max_idx / num_gt_boxes).long()
        anchors_bbox_map[anc_idx] = box_idx
        jaccard[:, box_idx] = col_discard
        jaccard[anc_idx, :] = row_discard
    return anchors_bbox_map


def offset_boxes(anchors, assigned_bb, eps=1e-6):
    c_anc = box_corner_to_center(anchors)
    c_assigned_bb = box_corner_to_center(assigned_bb)
    offset_xy = 10 * (c_assigned_bb[:, :2] - c_anc[:, :2]) / c_anc[:, 2:]
    offset_wh = 5 * torch.log(eps + c_assigned_bb[:, 2:] / c_anc[:, 2:])
    return torch.cat([offset_xy, offset_wh], axis=1)


def multibox_target(anchors, labels):
    batch_size, anchors = labels.shape[0], anchors.squeeze(0)
    batch_offset, batch_mask, batch_class_labels = [], [], []
    device, num_anchors = anchors.device, anchors.shape[0]
    for i in range(batch_size):
        label = labels[i, :, :]
        anchors_bbox_map = assign_anchor_to_bbox(label[:, 1:], anchors, device)
        bbox_mask = ((anchors_bbox_map >= 0).float().unsqueeze(-1)).repeat(1, 4)
        class_labels = torch.zeros(num_anchors, dtype=torch.long, device=device)
        assigned_bb = torch.zeros((num_anchors, 4), dtype=torch.float32, device=device)
        indices_true = torch.nonzero(anchors_bbox_map >= 0)  # (k, 1)
        bb_idx = anchors_bbox_map[indices_true]
        class_labels[indices_true] = label[bb_idx, 0].long() + 1
        assigned_bb[indices_true] = label[bb_idx, 1:]
        offset = offset_boxes(anchors, assigned_bb) * bbox_mask
        batch_offset.append(offset.reshape(-1))
        batch_mask.append(bbox_mask.reshape(-1))
        batch_class_labels.append(class_labels)
    return (torch.stack(batch_offset), torch.stack(batch_mask),
            torch.stack(batch_class_labels))


def offset_inverse(anchors, offset_preds):
    anc = box_corner_to_center(anchors)
    pred_bbox_xy = (offset_preds[:, :2] * anc[:, 2:] / 10) + anc[:, :2]
    pred_bbox_wh = torch.exp(offset_preds[:, 2:] / 5) * anc[:, 2:]
    return box_center_to_corner(torch.cat((pred_bbox_xy, pred_bbox_wh), axis=1))


def nms(boxes, scores, iou_threshold):
    B = torch.argsort(scores, dim=-1, descending=True)
    keep = []  # indices of the boxes kept
    while B.numel() > 0:
        i = B[0]
        keep.append(i)
        if B.numel() == 1:
            break
        iou = box_iou(boxes[i, :].reshape(-1, 4), boxes[B[1:], :].reshape(-1, 4)).reshape(-1)
        inds = torch.nonzero(iou <= iou_threshold).reshape(-1)
        B = B[inds + 1]
    return torch.tensor(keep, device=boxes.device)


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold=0.5,
                       pos_threshold=0.009999999):
    device, batch_size = cls_probs.device, cls_probs.shape[0]
    anchors = anchors.squeeze(0)
    num_anchors = cls_probs.shape[2]
    out = []
    for i in range(batch_size):
        cls_prob, offset_pred = cls_probs[i], offset_preds[i].reshape(-1, 4)
        conf, class_id = torch.max(cls_prob[1:], 0)
        predicted_bb = offset_inverse(anchors, offset_pred)
        keep = nms(predicted_bb, conf, nms_threshold)
        all_idx = torch.arange(num_anchors, dtype=torch.long, device=device)
        combined = torch.cat((keep, all_idx))
        uniques, counts = combined.unique(return_counts=True)
        non_keep = uniques[counts == 1]
        all_id_sorted = torch.cat((keep, non_keep))
        class_id[non_keep] = -1
        class_id = class_id[all_id_sorted]
        conf, predicted_bb = conf[all_id_sorted], predicted_bb[all_id_sorted]
        below_min_idx = (conf < pos_threshold)
        class_id[below_min_idx] = -1
        conf[below_min_idx] = 1 - conf[below_min_idx]
        pred_info = torch.cat((class_id.unsqueeze(1), conf.unsqueeze(1), predicted_bb), dim=1)
        out.append(pred_info)
    return torch.stack(out)


# The chapter's worked example: two ground-truth boxes, five anchors.
ground_truth = torch.tensor([[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]])
anchors = torch.tensor([[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98],
                        [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]])
labels = multibox_target(anchors.unsqueeze(dim=0), ground_truth.unsqueeze(dim=0))
print(labels[2], labels[1], labels[0])
print(f"final example_class_sum {labels[2].sum().item()}")
print(f"final example_offset_sum {labels[0].sum().item():.5f}")

# A detector on 16 x 16 images, one bright square each (class 0).
def make_images(n):
    images = rng.normal(0, 0.1, (n, 1, 16, 16)).astype(np.float32)
    boxes = np.zeros((n, 1, 5), np.float32)
    for k in range(n):
        size = int(rng.integers(4, 8))
        x0, y0 = rng.integers(0, 16 - size, 2)
        images[k, 0, y0:y0 + size, x0:x0 + size] += 1.0
        boxes[k, 0] = (0, x0 / 16, y0 / 16, (x0 + size) / 16, (y0 + size) / 16)
    return torch.from_numpy(images), torch.from_numpy(boxes)


sizes, ratios = [0.3, 0.45], [1, 2, 0.5]
num_anchors, num_classes = len(sizes) + len(ratios) - 1, 1


def flatten_pred(pred):
    return torch.flatten(pred.permute(0, 2, 3, 1), start_dim=1)


def concat_preds(preds):
    return torch.cat([flatten_pred(p) for p in preds], dim=1)


class TinySSD(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.ReLU(),
                                  nn.MaxPool2d(2))
        self.cls = nn.Conv2d(8, num_anchors * (num_classes + 1), kernel_size=3, padding=1)
        self.bbox = nn.Conv2d(8, num_anchors * 4, kernel_size=3, padding=1)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.from_numpy(rng.normal(0, 0.2, tuple(p.shape)).astype(np.float32)))

    def forward(self, X):
        Y = self.base(X)
        anchors = multibox_prior(Y, sizes=sizes, ratios=ratios)
        cls_preds = concat_preds([self.cls(Y)])
        cls_preds = cls_preds.reshape(cls_preds.shape[0], -1, num_classes + 1)
        bbox_preds = concat_preds([self.bbox(Y)])
        return anchors, cls_preds, bbox_preds


cls_loss = nn.CrossEntropyLoss(reduction='none')
bbox_loss = nn.L1Loss(reduction='none')


def calc_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks):
    batch_size, num_classes = cls_preds.shape[0], cls_preds.shape[2]
    cls = cls_loss(cls_preds.reshape(-1, num_classes),
                   cls_labels.reshape(-1)).reshape(batch_size, -1).mean(dim=1)
    bbox = bbox_loss(bbox_preds * bbox_masks, bbox_labels * bbox_masks).mean(dim=1)
    return cls + bbox


net = TinySSD()
trainer = torch.optim.SGD(net.parameters(), lr=0.2, weight_decay=5e-4)
X_all, Y_all = make_images(320)
step = 0
for epoch in range(4):
    for i in range(0, 320, 16):
        X, Y = X_all[i:i + 16], Y_all[i:i + 16]
        trainer.zero_grad()
        anchors, cls_preds, bbox_preds = net(X)
        bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, Y)
        l = calc_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks)
        l.mean().backward()
        trainer.step()
        print(f"step {step} loss {l.mean().item():.8f}")
        step += 1

net.eval()
X_test, Y_test = make_images(8)
with torch.no_grad():
    anchors, cls_preds, bbox_preds = net(X_test)
    cls_probs = F.softmax(cls_preds, dim=2).permute(0, 2, 1)
    output = multibox_detection(cls_probs, bbox_preds, anchors)
found = []
for k in range(len(X_test)):
    kept = output[k][output[k, :, 0] != -1]
    best = kept[0] if len(kept) else output[k][0]
    found.append(box_iou(best[2:].reshape(1, 4), Y_test[k, :, 1:]).item())
    print(f"image {k}: {len(kept)} kept, best score {best[1].item():.3f}")
print(f"final num_anchors {anchors.shape[1]}")
print(f"final kept_total {int((output[:, :, 0] != -1).sum())}")
print(f"final mean_best_iou {sum(found) / len(found):.6f}")
