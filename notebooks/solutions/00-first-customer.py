# Reference solution for 00-first-customer: the Customer for `new_user`, linked to her record.
first_customer = stripe.Customer.create(
    name=new_user["name"],
    email=new_user["email"],
    metadata={"user_id": new_user["id"]},
)
