"""An actor-critic agent, in the style of the pytorch/examples reinforcement_learning
actor_critic program: one network with a shared hidden layer, an action head (softmax
probabilities) and a value head, `Categorical(probs)` sampling an action each step, the
log-probability and the state value kept as a `SavedAction` namedtuple, returns
discounted and normalised at the episode's end, the policy loss weighted by the
advantage `R - value.item()`, the value loss `F.smooth_l1_loss(value, torch.tensor([R]))`,
summed with `torch.stack(...).sum()`; on the classic cart-pole, its equations written in
NumPy (the example's gym environment), episodes capped at 80 steps; an entropy bonus
(`m.entropy()`) as many variants add.

Idioms: `SavedAction = namedtuple('SavedAction', ['log_prob', 'value'])`,
`self.saved_actions = []`, `F.relu(self.affine1(x))`, `F.softmax(self.action_head(x),
dim=-1)`, `return action_prob, state_values`, `torch.from_numpy(state)`, `m.probs`,
`m = Categorical(probs)`, `m.log_prob(action)`,
`model.saved_actions.append(SavedAction(m.log_prob(action), state_value))`,
`returns.insert(0, R)`, `(returns - returns.mean()) / (returns.std() + eps)`,
`del model.rewards[:]`, `del model.saved_actions[:]`, `running_reward = 0.05 * ep_reward
+ (1 - 0.05) * running_reward`, `optim.Adam(model.parameters(), lr=3e-2)`,
`torch.manual_seed(args.seed)`, `torch.set_default_dtype(torch.float64)`.

The weights come from NumPy and each action is drawn by NumPy from `m.probs` (where the
example calls `m.sample()`: the frameworks' generators differ, and a cart-pole run
sampled by each spreads too widely over seeds to compare), float64 by default (the
returns' `torch.tensor(returns)` too: in float32 their mean and std round differently on
each framework, summed in another order): both frameworks take the same path. The loss line is 80 minus the episode's length (lower is better).
"""
import math
from collections import namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

torch.manual_seed(543)
torch.set_default_dtype(torch.float64)  # the returns' tensor too (see the docstring)
gamma = 0.99
log_interval = 10
MAX_STEPS = 80
SavedAction = namedtuple('SavedAction', ['log_prob', 'value'])
weight_rng, action_rng = np.random.default_rng(543), np.random.default_rng(544)


class CartPole:
    """The classic cart-pole (Barto, Sutton and Anderson), Euler steps of 0.02 s."""

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.state = self.rng.uniform(-0.05, 0.05, 4)
        return self.state.copy()

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        total_mass = self.masscart + self.masspole
        polemass_length = self.masspole * self.length
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * xacc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc
        self.state = np.array([x, x_dot, theta, theta_dot])
        done = abs(x) > 2.4 or abs(theta) > 12 * 2 * math.pi / 360
        return self.state.copy(), 1.0, done


class Policy(nn.Module):
    """implements both actor and critic in one model"""

    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(4, 64)

        # actor's layer
        self.action_head = nn.Linear(64, 2)

        # critic's layer
        self.value_head = nn.Linear(64, 1)

        # action & reward buffer
        self.saved_actions = []
        self.rewards = []
        self.entropies = []

    def forward(self, x):
        x = F.relu(self.affine1(x))

        # actor: choses action to take from state s_t
        # by returning probability of each action
        action_prob = F.softmax(self.action_head(x), dim=-1)

        # critic: evaluates being in state s_t
        state_values = self.value_head(x)

        # return values for both actor and critic as a tuple of 2 values:
        # 1. a list with the probability of each action over the action space
        # 2. the value from state s_t
        return action_prob, state_values


model = Policy()
with torch.no_grad():  # the same weights on both frameworks
    for p in model.parameters():
        bound = 1.0 / p.shape[-1] ** 0.5
        p.copy_(torch.from_numpy(weight_rng.uniform(-bound, bound, tuple(p.shape))))
optimizer = optim.Adam(model.parameters(), lr=3e-2)
eps = np.finfo(np.float32).eps.item()


def select_action(state):
    state = torch.from_numpy(state)
    probs, state_value = model(state)

    # create a categorical distribution over the list of probabilities of actions
    m = Categorical(probs)

    # and sample an action using the distribution (drawn by NumPy from its probabilities,
    # so that both frameworks take the same actions; m.sample() would use the generator)
    action = torch.tensor(action_rng.choice(2, p=m.probs.detach().numpy()))

    # save to action buffer
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    model.entropies.append(m.entropy())

    # the action to take (left or right)
    return action.item()


def finish_episode():
    """Training code. Calculates actor and critic loss and performs backprop."""
    R = 0
    saved_actions = model.saved_actions
    policy_losses = []  # list to save actor (policy) loss
    value_losses = []  # list to save critic (value) loss
    returns = []  # list to save the true values

    # calculate the true value using rewards returned from the environment
    for r in model.rewards[::-1]:
        # calculate the discounted value
        R = r + gamma * R
        returns.insert(0, R)

    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)

    for (log_prob, value), R in zip(saved_actions, returns):
        advantage = R - value.item()

        # calculate actor (policy) loss
        policy_losses.append(-log_prob * advantage)

        # calculate critic (value) loss using L1 smooth loss
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))

    # reset gradients
    optimizer.zero_grad()

    # sum up all the values of policy_losses and value_losses
    entropy = torch.stack(model.entropies).mean()
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum() - 0.01 * entropy

    # perform backprop
    loss.backward()
    optimizer.step()

    # reset rewards and action buffer
    del model.rewards[:]
    del model.saved_actions[:]
    del model.entropies[:]
    return entropy.item()


env = CartPole(seed=0)
running_reward = 10
lengths = []
for i_episode in range(50):
    # reset environment and episode reward
    state = env.reset()
    ep_reward = 0

    # for each episode, only run MAX_STEPS steps so that we don't
    # infinite loop while learning
    for t in range(1, MAX_STEPS + 1):
        # select action from policy
        action = select_action(state)

        # take the action
        state, reward, done = env.step(action)

        model.rewards.append(reward)
        ep_reward += reward
        if done:
            break

    # update cumulative reward
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward

    # perform backprop
    entropy = finish_episode()
    lengths.append(ep_reward)
    print(f"step {i_episode} loss {MAX_STEPS - ep_reward:.1f}")

    # log results
    if i_episode % log_interval == 0:
        print('Episode {}\tLast reward: {:.2f}\tAverage reward: {:.2f}'.format(
              i_episode, ep_reward, running_reward))

print(f"final running_reward {running_reward:.6f}")
print(f"final last_entropy {entropy:.10f}")
print(f"final mean_length_last20 {np.mean(lengths[-20:]):.4f}")
