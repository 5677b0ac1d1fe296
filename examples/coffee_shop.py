"""A custom decider: a visit to a coffee shop (after garcon's coffee-shop example).

Enter; order each item in turn, each order returning its price; pay the total and get the order,
both at once; leave once both are done. The decider is plain Python: `schedule()` returns the
state of an activity, and `.wait()` or `.result` end the decision pass until it has completed.

    garcon-sim run examples/coffee_shop.py:flow
    python -m garcon.worker examples/coffee_shop.py:flow
"""
from garcon import activity, runner, task

PRICES = {"coffee": 3.99, "chocolate_chip_cookie": 2.99}


@task.decorate()
def order(activity, item):
    activity.logger.info("ordering %s", item)
    return {"price": PRICES[item]}


@task.decorate()
def pay(activity, total):
    activity.logger.info("paying %.2f", total)
    return {"paid": total}


class CoffeeShop:
    """The flow as an object: `domain`, `name`, its activities as attributes, and `decider`."""

    def __init__(self, domain, name, items=("coffee", "chocolate_chip_cookie")):
        self.domain = domain
        self.name = name
        self.items = list(items)
        create = activity.create(domain, name)
        say = runner.Sync(lambda context, activity: None)
        self.enter = create(name="enter", run=say)
        self.order = create(name="order", run=runner.Sync(order.fill(item="item")), retry=2)
        self.pay = create(name="pay", run=runner.Sync(pay.fill(total="total")), retry=2)
        self.get_order = create(name="get_order", run=say)
        self.leave = create(name="leave", run=say)

    def decider(self, schedule, context=None):
        schedule("enter", self.enter).wait()
        total = 0
        for item in self.items:
            total += schedule(f"order_{item}", self.order, input={"item": item}).result["price"]
        paid = schedule("pay", self.pay, input={"total": round(total, 2)})
        served = schedule("get_order", self.get_order)
        schedule("leave", self.leave, requires=[paid, served])


flow = CoffeeShop("dev", "coffee_shop")
