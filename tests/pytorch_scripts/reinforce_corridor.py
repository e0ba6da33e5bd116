"""Policy gradients with torch.distributions, laid out like PyTorch's REINFORCE example:
a policy network whose forward returns action probabilities, `Categorical(probs)`,
`m.sample()`, `m.log_prob(action)` saved per step, discounted returns normalised with
`(returns - returns.mean()) / (returns.std() + eps)`, the loss `torch.cat(policy_loss)
.sum()`, a running reward, on a small corridor environment written in Python; then a
Normal distribution fitted by maximum likelihood and a KL divergence.

Idioms: `from torch.distributions import Categorical, Normal`, `torch.manual_seed(543)`,
`class Policy(nn.Module)` with `self.saved_log_probs = []` and `self.rewards = []`,
`F.softmax(action_scores, dim=1)`, `torch.from_numpy(state).float().unsqueeze(0)`,
`action.item()`, `del policy.rewards[:]`, `returns.insert(0, R)`, `torch.tensor(returns)`,
`np.finfo(np.float32).eps.item()`, `(-log_prob * R)` collected in a list,
`optimizer.zero_grad()`, `running_reward = 0.05 * ep_reward + (1 - 0.05) *
running_reward`, `m.entropy()`, `Normal(mu, log_sigma.exp())`, `.log_prob(x).mean()`,
`torch.distributions.kl_divergence(p, q)`, `Categorical(logits=...)`, `.probs`.

The policy's weights and the sampled actions come from the framework's generator:
compared in a band. The Normal fit is deterministic (NumPy data): compared as finals.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical, Normal

torch.manual_seed(543)
gamma = 0.95
LENGTH = 6


class Corridor:
    """Start in cell 0; action 1 moves right, 0 left; reward 1 at the last cell."""

    def reset(self):
        self.pos = 0
        return self.observe()

    def observe(self):
        state = np.zeros(LENGTH)
        state[self.pos] = 1.0
        return state

    def step(self, action):
        self.pos = max(0, min(LENGTH - 1, self.pos + (1 if action == 1 else -1)))
        done = self.pos == LENGTH - 1
        return self.observe(), (1.0 if done else -0.05), done


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(LENGTH, 32)
        self.affine2 = nn.Linear(32, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


policy = Policy()
optimizer = optim.Adam(policy.parameters(), lr=2e-2)
eps = np.finfo(np.float32).eps.item()
env = Corridor()


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    R = 0
    policy_loss = []
    returns = []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]


running_reward = 0.0
for i_episode in range(60):
    state, ep_reward = env.reset(), 0
    for t in range(1, 40):
        action = select_action(state)
        state, reward, done = env.step(action)
        policy.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
    print(f"step {i_episode} loss {t}")
    finish_episode()
with torch.no_grad():
    probs = policy(torch.eye(LENGTH))
print("P(right) per cell:", [round(p, 3) for p in probs[:, 1].tolist()])
print(f"final running_reward {running_reward:.6f}")
print(f"final entropy {Categorical(probs).entropy().mean().item():.6f}")

# A Normal fitted by maximum likelihood (deterministic).
rng = np.random.default_rng(0)
data = torch.from_numpy(rng.normal(1.5, 0.7, size=500))
mu = torch.zeros((), dtype=torch.float64, requires_grad=True)
log_sigma = torch.zeros((), dtype=torch.float64, requires_grad=True)
opt = optim.Adam([mu, log_sigma], lr=0.05)
for it in range(200):
    dist = Normal(mu, log_sigma.exp())
    nll = -dist.log_prob(data).mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
print(f"final mu {mu.item():.10f}")
print(f"final sigma {log_sigma.exp().item():.10f}")
p = Normal(torch.tensor(0.0), torch.tensor(1.0))
q = Normal(mu.detach().float(), log_sigma.exp().detach().float())
print(f"final kl {torch.distributions.kl_divergence(p, q).item():.6f}")
c = Categorical(logits=torch.tensor([0.5, 1.5, -1.0]))
print(f"final cat_entropy {c.entropy().item():.6f}")
print([round(v, 4) for v in c.probs.tolist()])
