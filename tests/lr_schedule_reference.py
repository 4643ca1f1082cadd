"""What the learning-rate schedule tests share: an optimizer with two param groups, the
sequence of rates a schedule gives it, and the check that a schedule resumes from its
state dict."""


def two_groups(lib, opt_name="SGD"):
    """An optimizer of ``lib`` (MicroTorch or PyTorch) with two param groups, at lr 0.1 and
    0.02 (SGD with momentum 0.9, so that momentum-cycling schedules have one to cycle)."""
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    return getattr(lib.optim, opt_name)([{"params": [lib.zeros(1, requires_grad=True)]},
                                         {"params": [lib.zeros(1, requires_grad=True)],
                                          "lr": 0.02}], lr=0.1, **extra)


def lr_sequence(lib, make_sched, epochs=30, opt_name="SGD", key="lr"):
    """Each param group's ``key`` seen by each epoch's optimizer.step()."""
    opt = two_groups(lib, opt_name)
    sched = make_sched(lib.optim.lr_scheduler, opt)
    out = []
    for _ in range(epochs):
        out.append([group[key] for group in opt.param_groups])
        opt.step()
        sched.step()
    return out


def assert_state_dict_resumes(lib, make_sched, steps_after):
    """A schedule rebuilt from the optimizer's and its own state dicts after 6 steps gives
    the same rates as the original for ``steps_after`` more steps."""
    def fresh():
        opt = two_groups(lib)
        return opt, make_sched(lib.optim.lr_scheduler, opt)

    opt, sched = fresh()
    for _ in range(6):
        sched.step()
    opt2, sched2 = fresh()
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    for _ in range(steps_after):
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
