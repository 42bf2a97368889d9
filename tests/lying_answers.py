"""Answers that lie about equality or type, per chapter and exercise (tests/test_chapters.py).

The grader's static scan (course_tools.integrity) flags every one of them before anything runs;
the test cells must not be fooled by them either, should one ever run: they compare plain
values of checked types (`type(x) is float`), never `==` on an object the student made. Each
kind of answer the chapters ask for has one here: a set of names, a string, a dict of numbers
or flags, a tuple, a list returned by a function, an int or float, a NumPy array.
"""

# an always-equal str, int and float (the float also converts to whatever a test wants)
EQUAL = (
    "class EqualStr(str):\n"
    "    def __eq__(self, other): return True\n"
    "    def __ne__(self, other): return False\n"
    "    def strip(self): return self\n"
    "    def upper(self): return self\n"
    "    __hash__ = str.__hash__\n"
    "class EqualInt(int):\n"
    "    def __eq__(self, other): return True\n"
    "    def __ne__(self, other): return False\n"
    "    __hash__ = int.__hash__\n"
    "class EqualFloat(float):\n"
    "    def __eq__(self, other): return True\n"
    "    def __ne__(self, other): return False\n"
    "    def __sub__(self, other): return 0.0\n"
    "    def __float__(self): return 300.0\n"
    "    __hash__ = float.__hash__\n"
)
# a set that contains and equals everything
ANY_SET = (
    "class AnySet(set):\n"
    "    def __eq__(self, other): return True\n"
    "    def __le__(self, other): return True\n"
    "    def __sub__(self, other): return set()\n"
    "    def __rsub__(self, other): return set()\n"
)
# a list that equals everything, and a dict whose items look right but whose lookups lie
EQUAL_CONTAINERS = (
    "class EqualList(list):\n"
    "    def __eq__(self, other): return True\n"
    "class LyingDict(dict):\n"
    "    def __getitem__(self, key): return EqualInt(0)\n"
)

LYING_ANSWERS = {
    "01_tensors_and_leaves": {
        "ex1_requires_grad": ANY_SET + "requires_grad_names = AnySet()",
        "ex2_leaves": EQUAL + "leaf_names = {EqualStr(n) for n in 'pqrstu'}",
        "ex3_nudge_grads": (
            "class Pair(tuple):\n"
            "    def __eq__(self, other): return True\n"
            "def nudge_grads(a_value, b_value, h):\n"
            "    return Pair((1.0, 1.0))"),
        "ex4_line_grads": EQUAL + "predicted_grads = {n: EqualFloat(0) for n in 'xwb'}",
        "ex5_gets_grad": EQUAL + "def gets_grad(tensor):\n    return EqualInt(1)",
        "ex7_worst_nudge_gap": EQUAL + "def worst_nudge_gap(f, x, h):\n    return EqualFloat(0)",
    },
    "02_computational_graph": {
        "ex1_q_graph": EQUAL + "q_root = EqualStr('?')\nq_children = [EqualStr('?')] * 2",
        "ex3_dynamic_graph": EQUAL + "divisions = (3, 0)\nfirst_grad = [EqualFloat(0)] * 2",
        "ex4_graph_leaves": EQUAL_CONTAINERS + "def graph_leaves(tensor):\n    return EqualList()",
    },
    "03_backward_and_the_chain_rule": {
        "ex3_predict_second_backward": EQUAL + (
            "predicted_s = [EqualFloat(0)] * 2\npredicted_m = EqualStr('?')"),
        "ex4_predict_accumulation": EQUAL + (
            "predicted_loop = [20.0, 40.0, 60.0]\n"
            "predicted_g = EqualFloat(0)\npredicted_h = EqualFloat(0)"),
    },
    "04_vector_jacobian_products": {
        "ex1_predict_vector_backward": EQUAL + "prediction_1 = EqualStr('?')",
        "ex2_predict_vjp": EQUAL_CONTAINERS + "prediction_2 = EqualList([0.0, 0.0])",
    },
    "05_turning_gradients_off": {
        "ex1_grad_modes": EQUAL + EQUAL_CONTAINERS + (
            "predicted_requires_grad = LyingDict({n: True for n in 'abcde'})"),
        "ex2_updates": EQUAL_CONTAINERS + (
            "class EqualTuple(tuple):\n"
            "    def __eq__(self, other): return True\n"
            "    def __ne__(self, other): return False\n"
            "predicted_after_update = {n: EqualTuple((True, True)) for n in 'ABCD'}"),
        "ex3_freeze_all_but": EQUAL_CONTAINERS + (
            "def freeze_all_but(model, head):\n"
            "    for name, param in model.named_parameters():\n"
            "        param.requires_grad = name.startswith(head + '.')\n"
            "    return EqualList()"),
        "ex4_eval_vs_no_grad": EQUAL + (
            "running_mean_changed_in_1 = EqualInt(1)\nout_2_requires_grad = EqualInt(1)"),
        "ex6_one_step_ahead": EQUAL + (
            "def loss_one_step_ahead(model, loss_fn, lr):\n    return EqualFloat(0)"),
    },
    "06_detach_data_and_inplace": {
        "ex1_will_raise": ANY_SET + "will_raise = AnySet()",
        "ex2_tanh_data": EQUAL + "predicted_tanh_grad = [EqualFloat(0), EqualFloat(0)]",
        "ex3_versions": EQUAL + (
            "class EqualTuple(tuple):\n"
            "    def __eq__(self, other): return True\n"
            "predicted_versions = EqualTuple([EqualInt(0)] * 4)"),
        "ex4_predict_grads": EQUAL + EQUAL_CONTAINERS + (
            "predicted_grads = LyingDict({n: 1.0 for n in 'abcd'})"),
    },
    "07_higher_order_gradients": {
        "ex1_second_call": EQUAL + EQUAL_CONTAINERS + (
            "raises = LyingDict({n: True for n in 'abcde'})"),
        "ex2_accumulated": EQUAL + "predicted = {'x': EqualFloat(0), 'y': EqualFloat(0)}",
    },
    "08_build_your_own_autograd": {
        "ex1_sum_to_size": (
            "class Agreeable(np.ndarray):\n"
            "    def __array_function__(self, func, types, args, kwargs):\n"
            "        return self.wanted if func is np.shape else True\n"
            "def sum_to_size(grad, shape):\n"
            "    out = np.zeros(1).view(Agreeable)\n"
            "    out.wanted = tuple(shape)\n"
            "    return out"),
        "ex6_naive_diamond": EQUAL + "naive_a_grad = EqualFloat(0)",
        "ex7_topological_order": EQUAL_CONTAINERS + (
            "def topological_order(root):\n    return EqualList()"),
    },
    "09_the_training_loop": {
        "ex4_which_moved": ANY_SET + "changed_names = AnySet()",
    },
}
