"""10 days by 1,000 countries: 10,000 instances, more than one SWF history can hold.

Each instance costs at least 3 events, and retries cost more: unsharded, SWF would end the run
at 25,000 events. `shard='auto'` runs the instances in child workflow executions instead, as
many instances in each as keep its history under the 10,000 events AWS advises even if every
retry is used (555 here, so 19 children).
"""
from garcon import activity, runner, task

domain = 'dev'
name = 'days_by_countries'
create = activity.create(domain, name)


def days(context):
    for day in range(1, context.get('days', 10) + 1):
        yield {'generator.day': day}


def countries(context):
    for country in range(1, context.get('countries', 1000) + 1):
        yield {'generator.country': country}


@task.decorate(timeout=60)
def fetch(activity, day, country):
    # Return little: a child's result (its instances' results merged) must fit SWF's 32,768
    # characters. Store what you fetch elsewhere (S3, a database) and keep a reference.
    return {}


fetch_all = create(
    name='fetch', generators=[days, countries], retry=2, shard='auto',
    run=runner.Sync(fetch.fill(day='generator.day', country='generator.country')))

report = create(name='report', requires=[fetch_all],
                run=runner.Sync(lambda context, activity: {'reported': True}))
