//! The values Groups names with words (roles, visibilities, statuses, sign-up fields), as
//! lenient enums: each known value is a variant, and a value this SDK does not know yet is
//! kept as `Other(text)`, so a response with a new value still decodes and a request may
//! send one.
//!
//! The generated response types keep these fields as strings; accessors of the same name
//! give the typed value ([`types::Membership::role`](super::types::Membership::role)...).

use std::fmt;

use super::types;

macro_rules! lenient_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this SDK does not know (yet), as the service wrote it.
            Other(String),
        }

        impl $name {
            /// Every value this SDK knows, in the API's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(other) => other,
                }
            }

            /// Whether this is a value this SDK does not know.
            pub fn is_other(&self) -> bool {
                matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($text => $name::$variant,)*
                    _ => $name::Other(value),
                }
            }
        }

        impl From<&$name> for $name {
            fn from(value: &$name) -> Self {
                value.clone()
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(s.into())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::from)
            }
        }
    };
}

lenient_enum! {
    /// A member's role in a group.
    ///
    /// ```
    /// use globus_sdk::groups::GroupRole;
    /// assert_eq!(GroupRole::from("manager"), GroupRole::Manager);
    /// assert_eq!(GroupRole::from("owner"), GroupRole::Other("owner".into()));
    /// assert_eq!(serde_json::to_value(GroupRole::Admin).unwrap(), "admin");
    /// ```
    GroupRole {
        /// `member`: an ordinary member.
        Member = "member",
        /// `manager`: may add, invite, approve and remove members.
        Manager = "manager",
        /// `admin`: may also change roles, policies, and delete the group.
        Admin = "admin",
    }
}

lenient_enum! {
    /// Who may see a group (its `group_visibility` policy).
    ///
    /// ```
    /// use globus_sdk::groups::GroupVisibility;
    /// assert_eq!("private".parse::<GroupVisibility>().unwrap(), GroupVisibility::Private);
    /// ```
    GroupVisibility {
        /// `authenticated`: anyone signed in to Globus.
        Authenticated = "authenticated",
        /// `private`: only the group's active, invited and pending members.
        Private = "private",
    }
}

lenient_enum! {
    /// Who may see a group's members (its `group_members_visibility` policy).
    ///
    /// ```
    /// use globus_sdk::groups::GroupMemberVisibility;
    /// assert_eq!(GroupMemberVisibility::Managers.as_str(), "managers");
    /// ```
    GroupMemberVisibility {
        /// `members`: every active member.
        Members = "members",
        /// `managers`: only managers and admins.
        Managers = "managers",
    }
}

lenient_enum! {
    /// A field asked of an identity joining a group (its `signup_fields` policy; Python's
    /// `GroupRequiredSignupFields`).
    ///
    /// ```
    /// use globus_sdk::groups::SignupField;
    /// assert_eq!(SignupField::from("field_of_science"), SignupField::FieldOfScience);
    /// ```
    SignupField {
        /// `institution`.
        Institution = "institution",
        /// `current_project_name`.
        CurrentProjectName = "current_project_name",
        /// `address`.
        Address = "address",
        /// `city`.
        City = "city",
        /// `state`.
        State = "state",
        /// `country`.
        Country = "country",
        /// `address1`.
        Address1 = "address1",
        /// `address2`.
        Address2 = "address2",
        /// `zip`.
        Zip = "zip",
        /// `phone`.
        Phone = "phone",
        /// `department`.
        Department = "department",
        /// `field_of_science`.
        FieldOfScience = "field_of_science",
    }
}

lenient_enum! {
    /// The status of a membership.
    ///
    /// ```
    /// use globus_sdk::groups::MembershipStatus;
    /// assert_eq!(MembershipStatus::from("pending"), MembershipStatus::Pending);
    /// ```
    MembershipStatus {
        /// `active`: a member.
        Active = "active",
        /// `invited`: invited, not yet accepted or declined.
        Invited = "invited",
        /// `pending`: asked to join, not yet approved or rejected.
        Pending = "pending",
        /// `rejected`: the request to join was rejected.
        Rejected = "rejected",
        /// `removed`: removed by a manager or admin.
        Removed = "removed",
        /// `left`: left the group.
        Left = "left",
        /// `declined`: declined the invitation.
        Declined = "declined",
    }
}

/// Typed views of a membership's words.
///
/// ```
/// use globus_sdk::groups::{GroupRole, MembershipStatus, types::Membership};
/// let m: Membership = serde_json::from_value(serde_json::json!(
///     {"identity_id": "ID", "role": "owner", "status": "active"}
/// )).unwrap();
/// assert_eq!(m.role(), Some(GroupRole::Other("owner".into())));
/// assert_eq!(m.status(), Some(MembershipStatus::Active));
/// ```
impl types::Membership {
    /// The member's role (None when the service did not say).
    pub fn role(&self) -> Option<GroupRole> {
        self.role.as_deref().map(GroupRole::from)
    }

    /// The membership's status (None when the service did not say).
    pub fn status(&self) -> Option<MembershipStatus> {
        self.status.as_deref().map(MembershipStatus::from)
    }
}

/// Typed views of a group's policies.
///
/// ```
/// use globus_sdk::groups::{GroupVisibility, SignupField, types::GroupPolicies};
/// let p: GroupPolicies = serde_json::from_value(serde_json::json!(
///     {"group_visibility": "private", "signup_fields": ["zip", "favourite_colour"]}
/// )).unwrap();
/// assert_eq!(p.group_visibility(), Some(GroupVisibility::Private));
/// assert_eq!(p.signup_fields(), [SignupField::Zip, SignupField::Other("favourite_colour".into())]);
/// ```
impl types::GroupPolicies {
    /// Who may see the group.
    pub fn group_visibility(&self) -> Option<GroupVisibility> {
        self.group_visibility.as_deref().map(GroupVisibility::from)
    }

    /// Who may see the group's members.
    pub fn group_members_visibility(&self) -> Option<GroupMemberVisibility> {
        self.group_members_visibility.as_deref().map(GroupMemberVisibility::from)
    }

    /// The fields asked of an identity joining the group.
    pub fn signup_fields(&self) -> Vec<SignupField> {
        self.signup_fields.iter().map(|f| SignupField::from(f.as_str())).collect()
    }
}

/// The lists of a group document, empty when Groups left them out or sent `null`.
///
/// ```
/// use globus_sdk::groups::types::Group;
/// let g: Group = serde_json::from_value(serde_json::json!(
///     {"id": "G", "name": "Lab", "memberships": null, "my_memberships": [{"identity_id": "ID", "role": "admin"}]}
/// )).unwrap();
/// assert!(g.memberships().is_empty() && g.child_ids().is_empty());
/// assert_eq!(g.my_memberships()[0].identity_id.as_deref(), Some("ID"));
/// ```
impl types::Group {
    /// Your identities' memberships in the group.
    pub fn my_memberships(&self) -> &[types::Membership] {
        self.my_memberships.as_deref().unwrap_or_default()
    }

    /// The group's memberships (asked for with `include=memberships`, and shown only to
    /// those who may see them).
    pub fn memberships(&self) -> &[types::Membership] {
        self.memberships.as_deref().unwrap_or_default()
    }

    /// The ids of the group's subgroups (with `include=child_ids`).
    pub fn child_ids(&self) -> &[String] {
        self.child_ids.as_deref().unwrap_or_default()
    }
}
