"""The seed document's generator flow, exactly as written there (tests/data/seed-generators.md).

One activity, then one instance of activity_2 per country, each failing at random (one time in
four) and retried on its own up to 3 times, then activity_3. Run it in the simulator:

    garcon-sim run examples/country_flow.py

or on SWF: python -m garcon.worker examples/country_flow.py
"""
from garcon import activity
from garcon import runner
from garcon import task
import random


domain = 'dev'
name = 'country_flow'
create = activity.create(domain, name)


def country_generator(context):
    # We limit this so you can more easily see the failures / retries.
    total_countries = 6
    for country_id in range(1, total_countries):
        yield {'generator.country_id': country_id}


@task.decorate()
def unstable_country_task(activity, country_id):
    num = int(random.random() * 4)
    base = 'activity_2_country_id_{country_id}'.format(
        country_id=country_id)

    if num == 3:
        # Make the task randomly fail.
        print(base, 'has failed')
        raise Exception('fails')

    print(base, 'has succeeded')


test_activity_1 = create(
    name='activity_1',
    tasks=runner.Sync(
        lambda context, activity: print('activity_1')))

test_activity_2 = create(
    name='activity_2',
    requires=[test_activity_1],
    generators=[
        country_generator],
    retry=3,
    tasks=runner.Sync(
        unstable_country_task.fill(country_id='generator.country_id')))

test_activity_3 = create(
    name='activity_3',
    requires=[test_activity_2],
    tasks=runner.Sync(
        lambda context, activity: print('end of flow')))
