"""Domains and types: registration, deprecation, description, listing, defaults.

Type defaults are data: for each field a decision or a start call may leave out, the type's
default that replaces it and the failure cause when neither is given.
"""
from __future__ import annotations

from typing import Any

from .errors import (
    DomainAlreadyExistsFault,
    DomainDeprecatedFault,
    TooManyTagsFault,
    TypeAlreadyExistsFault,
    TypeDeprecatedFault,
    TypeNotDeprecatedFault,
    UnknownResourceFault,
    ValidationException,
)
from .model import DEPRECATED, REGISTERED, Domain, TypeRecord
from .world import World

ACTIVITY_DEFAULTS = (
    # (field of the decision, default of the type, failure cause when neither is set)
    ("taskList", "defaultTaskList", "DEFAULT_TASK_LIST_UNDEFINED"),
    ("scheduleToStartTimeout", "defaultTaskScheduleToStartTimeout",
     "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED"),
    ("scheduleToCloseTimeout", "defaultTaskScheduleToCloseTimeout",
     "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED"),
    ("startToCloseTimeout", "defaultTaskStartToCloseTimeout",
     "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED"),
    ("heartbeatTimeout", "defaultTaskHeartbeatTimeout", "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED"),
    ("taskPriority", "defaultTaskPriority", None),
)

WORKFLOW_DEFAULTS = (
    ("taskList", "defaultTaskList", "DEFAULT_TASK_LIST_UNDEFINED"),
    ("executionStartToCloseTimeout", "defaultExecutionStartToCloseTimeout",
     "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED"),
    ("taskStartToCloseTimeout", "defaultTaskStartToCloseTimeout",
     "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED"),
    ("childPolicy", "defaultChildPolicy", "DEFAULT_CHILD_POLICY_UNDEFINED"),
    ("taskPriority", "defaultTaskPriority", None),
    ("lambdaRole", "defaultLambdaRole", None),
)

KINDS = {
    # kind: (request key of the type, defaults table)
    "activity": ("activityType", ACTIVITY_DEFAULTS),
    "workflow": ("workflowType", WORKFLOW_DEFAULTS),
}

_LABEL = {"activity": "ActivityType", "workflow": "WorkflowType"}
ACCOUNT_ARN = "arn:aws:swf:us-east-1:123456789012"
MAX_DOMAIN_TAGS = 50


DefaultRule = tuple[str, str, "str | None"]


def resolve_defaults(given: dict[str, Any], record: TypeRecord, table: tuple[DefaultRule, ...]
                     ) -> tuple[dict[str, Any], DefaultRule | None]:
    """Fill the fields `given` leaves out from the type's defaults.

    Returns the resolved fields and the first rule whose field has neither a value nor a
    default (None when nothing required is missing).
    """
    resolved: dict[str, Any] = {}
    for rule in table:
        field, default, cause = rule
        value = given.get(field)
        if value is None:
            value = record.defaults.get(default)
        if value is not None:
            resolved[field] = value
        elif cause is not None:
            return resolved, rule
    return resolved, None


def _type_label(kind: str, name: str, version: str) -> str:
    return f"{_LABEL[kind]}=[name={name}, version={version}]"


class Registry:
    """Domains and types of one World (operations take and give wire-shaped dicts)."""

    def __init__(self, world: World) -> None:
        self.world = world

    # -- lookups -------------------------------------------------------------------------------

    def domain(self, name: str) -> Domain:
        domain = self.world.domains.get(name)
        if domain is None:
            raise UnknownResourceFault(f"Unknown domain: {name}")
        return domain

    def registered_domain(self, name: str) -> Domain:
        """A domain new work may be created in (deprecated ones are refused as unknown)."""
        domain = self.domain(name)
        if domain.status != REGISTERED:
            raise UnknownResourceFault(f"Unknown domain: {name}")
        return domain

    def find_type(self, kind: str, domain: str, ref: dict[str, str]) -> TypeRecord | None:
        return self.world.types.get((kind, domain, ref["name"], ref["version"]))

    def type(self, kind: str, domain: str, ref: dict[str, str]) -> TypeRecord:
        self.domain(domain)
        record = self.find_type(kind, domain, ref)
        if record is None:
            raise UnknownResourceFault(
                f"Unknown type: {_type_label(kind, ref['name'], ref['version'])}")
        return record

    # -- domains -------------------------------------------------------------------------------

    def register_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["name"]
        if name in self.world.domains:
            raise DomainAlreadyExistsFault(f"Domain already exists: {name}")
        retention = params["workflowExecutionRetentionPeriodInDays"]
        if retention != "NONE" and not (
                retention.isdigit() and int(retention) <= self.world.limits.retention_days):
            raise ValidationException(
                f"Invalid retention period {retention!r}: give a number of days from 0 to "
                f"{self.world.limits.retention_days}, or NONE")
        tags = params.get("tags", [])
        if len(tags) > MAX_DOMAIN_TAGS:
            raise TooManyTagsFault(f"A domain can have at most {MAX_DOMAIN_TAGS} tags")
        self.world.domains[name] = Domain(
            name, retention, params.get("description"),
            tags={tag["key"]: tag.get("value", "") for tag in tags})
        return {}

    def describe_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self.domain(params["name"])
        return {"domainInfo": self._domain_info(domain),
                "configuration": {"workflowExecutionRetentionPeriodInDays":
                                  domain.retention_days}}

    def list_domains(self, params: dict[str, Any]) -> dict[str, Any]:
        domains = sorted((d for d in self.world.domains.values()
                          if d.status == params["registrationStatus"]),
                         key=lambda d: d.name, reverse=bool(params.get("reverseOrder")))
        return self.world.page("ListDomains", [self._domain_info(d) for d in domains], params,
                               "domainInfos")

    def deprecate_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self.domain(params["name"])
        if domain.status == DEPRECATED:
            raise DomainDeprecatedFault(f"Domain is already deprecated: {domain.name}")
        domain.status = DEPRECATED
        return {}

    def undeprecate_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self.domain(params["name"])
        if domain.status == REGISTERED:
            raise DomainAlreadyExistsFault(f"Domain is already registered: {domain.name}")
        domain.status = REGISTERED
        return {}

    @staticmethod
    def _domain_info(domain: Domain) -> dict[str, Any]:
        info = {"name": domain.name, "status": domain.status,
                "arn": f"{ACCOUNT_ARN}:/domain/{domain.name}"}
        if domain.description is not None:
            info["description"] = domain.description
        return info

    # -- domain tags ---------------------------------------------------------------------------

    def _domain_of_arn(self, arn: str) -> Domain:
        prefix = f"{ACCOUNT_ARN}:/domain/"
        if not arn.startswith(prefix):
            raise UnknownResourceFault(f"Unknown resource: {arn}")
        return self.domain(arn[len(prefix):])

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain_of_arn(params["resourceArn"])
        tags = dict(domain.tags)
        tags.update({tag["key"]: tag.get("value", "") for tag in params["tags"]})
        if len(tags) > MAX_DOMAIN_TAGS:
            raise TooManyTagsFault(f"A domain can have at most {MAX_DOMAIN_TAGS} tags")
        domain.tags = tags
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain_of_arn(params["resourceArn"])
        for key in params["tagKeys"]:
            domain.tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain_of_arn(params["resourceArn"])
        return {"tags": [{"key": k, "value": v} for k, v in domain.tags.items()]}

    # -- types ---------------------------------------------------------------------------------

    def register_type(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        domain = self.registered_domain(params["domain"]).name
        name, version = params["name"], params["version"]
        key = (kind, domain, name, version)
        if key in self.world.types:
            raise TypeAlreadyExistsFault(_type_label(kind, name, version))
        defaults = {default: params[default] for _, default, _ in KINDS[kind][1]
                    if default in params}
        self.world.types[key] = TypeRecord(kind, domain, name, version, self.world.now(),
                                           defaults, params.get("description"))
        return {}

    def describe_type(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        record = self.type(kind, params["domain"], params[KINDS[kind][0]])
        return {"typeInfo": self._type_info(record), "configuration": dict(record.defaults)}

    def list_types(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        domain = self.domain(params["domain"]).name
        name = params.get("name")
        records = sorted((r for r in self.world.types.values()
                          if r.kind == kind and r.domain == domain
                          and r.status == params["registrationStatus"]
                          and (name is None or r.name == name)),
                         key=lambda r: (r.name, r.version),
                         reverse=bool(params.get("reverseOrder")))
        return self.world.page(f"List{_LABEL[kind]}s", [self._type_info(r) for r in records],
                               params, "typeInfos")

    def deprecate_type(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        record = self.type(kind, params["domain"], params[KINDS[kind][0]])
        if record.status == DEPRECATED:
            raise TypeDeprecatedFault(_type_label(kind, record.name, record.version))
        record.status = DEPRECATED
        record.deprecated = self.world.now()
        return {}

    def undeprecate_type(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        record = self.type(kind, params["domain"], params[KINDS[kind][0]])
        if record.status == REGISTERED:
            raise TypeAlreadyExistsFault(_type_label(kind, record.name, record.version))
        record.status = REGISTERED
        record.deprecated = None
        return {}

    def delete_type(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        record = self.type(kind, params["domain"], params[KINDS[kind][0]])
        if record.status != DEPRECATED:
            raise TypeNotDeprecatedFault(_type_label(kind, record.name, record.version))
        del self.world.types[(kind, record.domain, record.name, record.version)]
        return {}

    @staticmethod
    def _type_info(record: TypeRecord) -> dict[str, Any]:
        info: dict[str, Any] = {KINDS[record.kind][0]: record.ref(), "status": record.status,
                                "creationDate": record.created}
        if record.description is not None:
            info["description"] = record.description
        if record.deprecated is not None:
            info["deprecationDate"] = record.deprecated
        return info
